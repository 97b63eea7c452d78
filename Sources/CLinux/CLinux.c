#define _GNU_SOURCE
#include "CLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const int nss_CLONE_PARENT = CLONE_PARENT;
const int nss_CLONE_NEWUSER = CLONE_NEWUSER, nss_CLONE_NEWNS = CLONE_NEWNS,
          nss_CLONE_NEWUTS = CLONE_NEWUTS, nss_CLONE_NEWIPC = CLONE_NEWIPC,
          nss_CLONE_NEWPID = CLONE_NEWPID, nss_CLONE_NEWNET = CLONE_NEWNET,
          nss_CLONE_NEWCGROUP = CLONE_NEWCGROUP, nss_CLONE_NEWTIME = CLONE_NEWTIME;

int nss_unshare(int flags) { return unshare(flags); }
int nss_setns(int fd, int nstype) { return setns(fd, nstype); }
int nss_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}
int nss_sethostname(const char *name, size_t len) { return sethostname(name, len); }
int nss_setdomainname(const char *name, size_t len) { return setdomainname(name, len); }
// The raw syscalls: glibc's wrappers broadcast to every thread, which a single-threaded
// sandbox does not need, and the raw form keeps the errno of the one call.
int nss_setresuid(uid_t r, uid_t e, uid_t s) { return (int)syscall(SYS_setresuid, r, e, s); }
int nss_setresgid(gid_t r, gid_t e, gid_t s) { return (int)syscall(SYS_setresgid, r, e, s); }
int nss_setgroups(size_t n, const gid_t *list) { return (int)syscall(SYS_setgroups, n, list); }
int nss_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }
int nss_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
int nss_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
int nss_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
int nss_set_keepcaps(int on) { return prctl(PR_SET_KEEPCAPS, on, 0, 0, 0); }
int nss_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on, 0, 0, 0); }
int nss_capbset_drop(int cap) { return prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); }
int nss_ambient_clear_all(void) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); }
int nss_ambient_raise(int cap) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0); }
int nss_cap_last_cap(void) {
    // The highest capability this kernel knows: probe the bounding set (EINVAL past the end).
    int last = 40;
    while (last < 63 && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0) last++;
    while (last > 0 && prctl(PR_CAPBSET_READ, last, 0, 0, 0) < 0) last--;
    return last;
}
int nss_close_range_cloexec(unsigned first) {
    return (int)syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC);
}
int nss_openat_in_root(int rootfd, const char *path, int flags, unsigned mode) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)flags;
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}
int nss_mount_setattr(const char *path, int recursive, uint64_t set, uint64_t clear, uint64_t propagation) {
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = set;
    attr.attr_clr = clear;
    attr.propagation = propagation;
    return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr);
}
char **nss_environ(void) { return environ; }
int nss_wifexited(int status) { return WIFEXITED(status); }
int nss_wexitstatus(int status) { return WEXITSTATUS(status); }
int nss_wifsignaled(int status) { return WIFSIGNALED(status); }
int nss_wtermsig(int status) { return WTERMSIG(status); }

/* glibc keeps the calling thread's tid in its struct pthread, and fork() has the kernel write
   the new process's tid there (CLONE_CHILD_SETTID). A raw clone must do the same, or the new
   process runs with its parent's tid cached (glibc 2.34+ uses it for mutex owners; raise() asks
   the kernel). The field is found by value: the one int near the start of the thread's struct
   pthread that equals gettid(). If there is not exactly one, nothing is written (-1). */
static long tid_offset = -2;

static long find_tid_offset(void) {
    const int *self = (const int *)pthread_self();
    int tid = (int)syscall(SYS_gettid);
    long found = -1;
    for (long i = 0; i < 1024 / (long)sizeof(int); i++) {
        if (self[i] == tid) {
            if (found >= 0) return -1;
            found = i * (long)sizeof(int);
        }
    }
    return found;
}

pid_t nss_clone(unsigned long clone_flags) {
    if (tid_offset == -2) tid_offset = find_tid_offset();
    unsigned long flags = clone_flags | SIGCHLD;
    int *ctid = NULL;
    if (tid_offset >= 0) {
        flags |= CLONE_CHILD_SETTID;
        ctid = (int *)((char *)pthread_self() + tid_offset);
    }
    /* x86_64 and aarch64 order: flags, stack, parent_tid, child_tid, tls. */
    return (pid_t)syscall(SYS_clone, flags, NULL, NULL, ctid, 0);
}

int nss_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int nss_pidfd_exited(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1;
}
