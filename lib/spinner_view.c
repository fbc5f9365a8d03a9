#include "spinner_view.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Writes all of buf, resuming after short writes and signal interruptions. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int spinner_view_draw(int fd, unsigned long i, const char *message)
{
    size_t len = strlen(message);
    if (len > SPINNER_VIEW_MAX_MESSAGE)
        return -EINVAL;

    /* One write per frame, so a frame never appears half drawn. */
    char line[SPINNER_VIEW_MAX_MESSAGE + 3];
    line[0] = '\r';
    line[1] = SPINNER_VIEW_FRAMES[i % SPINNER_VIEW_FRAME_COUNT];
    line[2] = ' ';
    memcpy(line + 3, message, len);
    return write_all(fd, line, len + 3);
}

int spinner_view_clear(int fd, const char *message)
{
    size_t len = strlen(message);
    if (len > SPINNER_VIEW_MAX_MESSAGE)
        return -EINVAL;

    /* "\r", blanks over "<frame> <message>", "\r". */
    char line[SPINNER_VIEW_MAX_MESSAGE + 4];
    size_t width = len + 2;
    line[0] = '\r';
    memset(line + 1, ' ', width);
    line[width + 1] = '\r';
    return write_all(fd, line, width + 2);
}
