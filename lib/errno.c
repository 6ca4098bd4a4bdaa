/*
 * lib/errno.c - names of error codes, for "error: ..." lines that rigs parse.
 */
#include "lib/errno.h"

#include <stddef.h>

#include "lib/compiler.h"

static const struct {
    int code;
    const char *name;
} errno_names[] = {
    { EPERM, "EPERM" },         { ENOENT, "ENOENT" },
    { EINTR, "EINTR" },         { EIO, "EIO" },
    { ENXIO, "ENXIO" },         { E2BIG, "E2BIG" },
    { ENOEXEC, "ENOEXEC" },     { EBADF, "EBADF" },
    { EAGAIN, "EAGAIN" },       { ENOMEM, "ENOMEM" },
    { EACCES, "EACCES" },       { EFAULT, "EFAULT" },
    { ENOTBLK, "ENOTBLK" },     { EBUSY, "EBUSY" },
    { EEXIST, "EEXIST" },       { ENODEV, "ENODEV" },
    { ENOTDIR, "ENOTDIR" },     { EISDIR, "EISDIR" },
    { EINVAL, "EINVAL" },       { EFBIG, "EFBIG" },
    { ENOSPC, "ENOSPC" },       { ESPIPE, "ESPIPE" },
    { EROFS, "EROFS" },         { EDOM, "EDOM" },
    { ERANGE, "ERANGE" },       { ENAMETOOLONG, "ENAMETOOLONG" },
    { ENOSYS, "ENOSYS" },       { ENOTEMPTY, "ENOTEMPTY" },
    { ELOOP, "ELOOP" },         { EBADE, "EBADE" },
    { ENODATA, "ENODATA" },     { ETIME, "ETIME" },
    { ENOLINK, "ENOLINK" },     { EPROTO, "EPROTO" },
    { EBADMSG, "EBADMSG" },     { EOVERFLOW, "EOVERFLOW" },
    { EILSEQ, "EILSEQ" },       { EOPNOTSUPP, "EOPNOTSUPP" },
    { ETOOMANYREFS, "ETOOMANYREFS" },
    { ETIMEDOUT, "ETIMEDOUT" }, { EUCLEAN, "EUCLEAN" },
    { EREMOTEIO, "EREMOTEIO" }, { EMEDIUMTYPE, "EMEDIUMTYPE" },
    { ECANCELED, "ECANCELED" },
};

const char *errno_name(int err)
{
    if (err < 0)
        err = -err;
    for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
        if (errno_names[i].code == err)
            return errno_names[i].name;
    return "E?";
}
