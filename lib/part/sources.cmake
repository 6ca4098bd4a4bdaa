# lib/part/sources.cmake - partition tables: MBR and GPT (tools/cmake/modules.cmake).
nvos_module(
    HOST
        part.c mbr.c gpt.c
)
