/* Signal handling through a signalfd (see signals.h). */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "event_loop.h"
#include "log.h"
#include "signals.h"

volatile sig_atomic_t g_stop_requested;
volatile sig_atomic_t g_reload_requested;
volatile sig_atomic_t g_summary_requested;

static sigset_t handled;
static int sfd = -1;

void signals_block(void)
{
    sigemptyset(&handled);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGHUP);
    sigaddset(&handled, SIGUSR1);
    sigaddset(&handled, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &handled, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void on_signal(int fd, uint32_t events, void *arg)
{
    struct signalfd_siginfo si;
    (void)events;
    (void)arg;

    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGINT:
        case SIGTERM:
            VLOG(NOTICE, "signal %s from pid %u: stopping", strsignal((int)si.ssi_signo),
                 si.ssi_pid);
            g_stop_requested = 1;
            break;
        case SIGHUP:
            VLOG(NOTICE, "SIGHUP from pid %u: reloading the configuration", si.ssi_pid);
            g_reload_requested = 1;
            break;
        case SIGUSR1:
            g_summary_requested = 1;
            break;
        default:
            VLOG_RL(INFO, "signal %s from pid %u ignored", strsignal((int)si.ssi_signo),
                    si.ssi_pid);
            break;
        }
    }
}

int signals_watch(void)
{
    sfd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0) {
        int e = errno;
        VLOG(ERR, "signalfd: %s", strerror(e));
        return -e;
    }
    int e;
    if ((e = -ev_add(sfd, EPOLLIN, on_signal, NULL)) != 0) {
        VLOG(ERR, "signalfd: epoll: %s", strerror(e));
        close(sfd);
        sfd = -1;
        return -e;
    }
    return 0;
}
