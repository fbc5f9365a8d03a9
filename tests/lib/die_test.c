/*
 * Unit tests of lib/die: the one function of it that library code may call.
 */
#include "die.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <signal.h>

Test(die, on_bug_returns_when_the_call_succeeded)
{
    die_on_bug("pthread_mutex_lock", 0);
}

Test(die, on_bug_aborts_when_the_call_failed, .signal = SIGABRT, .init = cr_redirect_stderr)
{
    die_on_bug("pthread_mutex_lock", EINVAL);
}

Test(die, on_bug_aborts_for_a_negative_errno_too, .signal = SIGABRT, .init = cr_redirect_stderr)
{
    die_on_bug("io_uring_submit", -EBUSY);
}
