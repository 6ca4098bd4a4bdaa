# lib/fat/sources.cmake - the FAT12/16/32 reader (tools/cmake/modules.cmake).
nvos_module(
    HOST
        fat_mount.c fat_table.c fat_dir.c fat_file.c
)
