#include "graded.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void graded_mark_finished(const char *suite, const char *name)
{
    /* The grader names a file in CONCLAB_MARK_FILE and reads it after the test. */
    const char *path = getenv("CONCLAB_MARK_FILE");
    if (path == NULL || *path == '\0')
        return;

    char line[512];
    int len = snprintf(line, sizeof line, "finished %s/%s\n", suite, name);
    if (len < 0 || (size_t)len >= sizeof line)
        cr_assert_fail("test name too long to record");

    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        cr_assert_fail("cannot record that the test finished: open %s failed", path);
    ssize_t written = write(fd, line, (size_t)len);
    close(fd);
    if (written != len)
        cr_assert_fail("cannot record that the test finished: short write to %s", path);
}
