/*
 * spinner_view: how a "thinking!" spinner looks on one terminal line.
 *
 * A frame is drawn as "\r<frame> <message>"; clearing writes "\r", as many blanks as
 * the widest frame, and "\r" again, so the next output starts on a clean line.
 * These write straight to a file descriptor with write(2): the bytes are the same on
 * a terminal and on a pipe, nothing is left in a stdio buffer (which matters in a
 * forked child), and the functions are thread-safe and async-signal-safe.
 */
#ifndef CONCLAB_SPINNER_VIEW_H
#define CONCLAB_SPINNER_VIEW_H

#include <stddef.h>

/* The frames, in order: backslash, bar, slash, dash. */
#define SPINNER_VIEW_FRAMES      "\\|/-"
#define SPINNER_VIEW_FRAME_COUNT 4
#define SPINNER_VIEW_MESSAGE     "thinking!"
#define SPINNER_VIEW_MAX_MESSAGE 200

/* Writes "\r<frame i> <message>" to fd, frame i being SPINNER_VIEW_FRAMES[i % 4]. Returns
 * 0, or -errno (-EINVAL if the message is longer than SPINNER_VIEW_MAX_MESSAGE). */
int spinner_view_draw(int fd, unsigned long i, const char *message);

/* Writes "\r", blanks over a frame of `message`, and "\r". Returns 0 or -errno. */
int spinner_view_clear(int fd, const char *message);

#endif
