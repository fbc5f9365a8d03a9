#include "spinner_view.h"

#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

static size_t drain(int fd, char *buf, size_t size)
{
    ssize_t n = read(fd, buf, size - 1);
    cr_assert_geq(n, 0);
    buf[n] = '\0';
    return (size_t)n;
}

Test(spinner_view, draws_frames_in_order_and_clears_the_line)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    char buf[256];
    const char *expected[] = {"\r\\ thinking!", "\r| thinking!", "\r/ thinking!", "\r- thinking!",
                              "\r\\ thinking!"};
    for (unsigned long i = 0; i < 5; i++) {
        cr_assert_eq(spinner_view_draw(fds[1], i, SPINNER_VIEW_MESSAGE), 0);
        drain(fds[0], buf, sizeof buf);
        cr_assert_str_eq(buf, expected[i]);
    }
    cr_assert_eq(spinner_view_clear(fds[1], "thinking!"), 0);
    size_t len = drain(fds[0], buf, sizeof buf);
    cr_assert_eq(len, strlen("thinking!") + 4);
    cr_assert_eq(buf[0], '\r');
    cr_assert_eq(buf[len - 1], '\r');
    cr_assert_eq(strspn(buf + 1, " "), len - 2);
    close(fds[0]);
    close(fds[1]);
}

Test(spinner_view, refuses_long_messages_and_reports_write_errors)
{
    char long_message[SPINNER_VIEW_MAX_MESSAGE + 2];
    memset(long_message, 'x', sizeof long_message - 1);
    long_message[sizeof long_message - 1] = '\0';
    cr_assert_lt(spinner_view_draw(STDOUT_FILENO, 0, long_message), 0);
    cr_assert_lt(spinner_view_draw(-1, 0, "thinking!"), 0);
}
