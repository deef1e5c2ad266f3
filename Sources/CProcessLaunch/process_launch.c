#define _GNU_SOURCE
#include "process_launch.h"

int workshop_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

int workshop_spawn_change_directory(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Between fork and execve only async-signal-safe calls: the parent may have other threads, and any
 * lock one of them held is held forever in the child. Failures go back through a close-on-exec pipe. */
int workshop_spawn_bounded(const char *path, char *const argv[], char *const envp[], int input, int output,
                           int error_output, unsigned long long address_space_bytes, int *error) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *error = errno;
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        *error = errno;
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0) {
        int failure = 0;
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) failure = errno;
        /* The parent may have died before the line above: then nobody will send the signal. */
        if (failure == 0 && getppid() != parent) _exit(127);
        if (failure == 0 && setpgid(0, 0) != 0) failure = errno;
        if (failure == 0 && address_space_bytes > 0) {
            struct rlimit limit = {address_space_bytes, address_space_bytes};
            if (setrlimit(RLIMIT_AS, &limit) != 0) failure = errno;
        }
        int streams[3] = {input, output, error_output};
        for (int target = 0; failure == 0 && target < 3; target++) {
            /* A source below 3 may be overwritten by an earlier dup2: move them all high first. */
            int high = fcntl(streams[target], F_DUPFD_CLOEXEC, 3);
            if (high < 0) failure = errno;
            else streams[target] = high;
        }
        for (int target = 0; failure == 0 && target < 3; target++)
            if (dup2(streams[target], target) < 0) failure = errno;
        if (failure == 0) {
            struct sigaction default_action;
            memset(&default_action, 0, sizeof default_action);
            default_action.sa_handler = SIG_DFL;
            for (int signal_number = 1; signal_number < NSIG; signal_number++)
                if (signal_number != SIGKILL && signal_number != SIGSTOP) sigaction(signal_number, &default_action, NULL);
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, NULL);
            /* Everything but 0-2 and the report pipe goes (the pipe closes itself at execve). */
            for (int descriptor = 3; descriptor < report[1]; descriptor++) close(descriptor);
            syscall(SYS_close_range, report[1] + 1, ~0U, 0);
            execve(path, argv, envp);
            failure = errno;
        }
        (void)!write(report[1], &failure, sizeof failure);
        _exit(127);
    }
    close(report[1]);
    int failure = 0;
    ssize_t count;
    do count = read(report[0], &failure, sizeof failure);
    while (count < 0 && errno == EINTR);
    close(report[0]);
    if (count == sizeof failure) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error = failure;
        return -1;
    }
    return pid;
}
