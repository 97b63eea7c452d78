#define _GNU_SOURCE
#include "CLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <elf.h>
#include <grp.h>
#include <link.h>
#include <linux/keyctl.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/nsfs.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <time.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/single_threaded.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int nss_unshare(uint64_t flags) { return unshare((int)flags); }
int nss_setns(int fd, uint64_t nstype) { return setns(fd, (int)nstype); }

int nss_namespace_owner(const char *path, uint64_t *inode, uint32_t *uid) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int owner = ioctl(fd, NS_GET_USERNS);
    int saved = errno;
    close(fd);
    if (owner < 0) { errno = saved; return -1; }
    struct stat st;
    uid_t u;
    int rc = fstat(owner, &st);
    if (rc == 0) rc = ioctl(owner, NS_GET_OWNER_UID, &u);
    saved = errno;
    close(owner);
    if (rc < 0) { errno = saved; return -1; }
    *inode = (uint64_t)st.st_ino;
    *uid = (uint32_t)u;
    return 0;
}

int nss_namespace_inode(const char *path, uint64_t *inode) {
    struct stat st;
    if (stat(path, &st) < 0) return -1;
    *inode = (uint64_t)st.st_ino;
    return 0;
}
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
int nss_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
int nss_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
int nss_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
int nss_set_keepcaps(int on) { return prctl(PR_SET_KEEPCAPS, on, 0, 0, 0); }
int nss_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on, 0, 0, 0); }
int nss_capbset_drop(int cap) { return prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); }
int nss_ambient_clear_all(void) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); }
int nss_ambient_raise(int cap) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0); }
int nss_cap_last_cap(void) {
    // The highest capability this kernel knows: probe the bounding set (EINVAL past the end),
    // once per process.
    static int known = -1;
    if (known >= 0) return known;
    int last = 40;
    while (last < 63 && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0) last++;
    while (last > 0 && prctl(PR_CAPBSET_READ, last, 0, 0, 0) < 0) last--;
    known = last;
    return last;
}
int nss_close_range_cloexec(unsigned first) {
    return (int)syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC);
}
int nss_close_range(unsigned first, unsigned last) { return (int)syscall(SYS_close_range, first, last, 0); }
int nss_openat_in_root(int rootfd, const char *path, int flags, unsigned mode) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)flags;
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    /* EAGAIN: a rename or mount anywhere on the system raced a ".." of the lookup, which the
       kernel then refuses rather than risk an escape; openat2(2) says to retry. */
    int fd, tries = 0;
    do fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN && ++tries < 64);
    return fd;
}
int nss_openat_beneath(int dirfd, const char *path, int flags, unsigned mode) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)flags;
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
int nss_bind_tree(const char *source, const char *target, int recursive, int attr_recursive,
                  uint64_t set, uint64_t clear, uint64_t propagation, int *failed_step) {
    *failed_step = 0;
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source,
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
    if (tree < 0) return -1;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = set;
    attr.attr_clr = clear;
    int flags = AT_EMPTY_PATH | (attr_recursive ? AT_RECURSIVE : 0);
    if ((set | clear) != 0 && syscall(SYS_mount_setattr, tree, "", flags, &attr, sizeof attr) < 0) {
        *failed_step = 1;
        goto fail;
    }
    /* MOVE_MOUNT_T_SYMLINKS: the target is a /proc/self/fd/N magic link, to be followed. */
    if (syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0) {
        *failed_step = 2;
        goto fail;
    }
    if (propagation != 0) {
        memset(&attr, 0, sizeof attr);
        attr.propagation = propagation;
        if (syscall(SYS_mount_setattr, tree, "", flags, &attr, sizeof attr) < 0) {
            *failed_step = 3;
            goto fail;
        }
    }
    close(tree);
    return 0;
fail:;
    int saved = errno;
    close(tree);
    errno = saved;
    return -1;
}
int nss_exe_is_sealed(void) {
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int seals = fcntl(fd, F_GET_SEALS);
    close(fd);
    return seals >= 0 && (seals & F_SEAL_WRITE) ? 1 : 0;
}
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
int nss_reexec_sealed(char *const argv[], char *const envp[]) {
    int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0) return -1;
    /* MFD_EXEC where vm.memfd_noexec asks for it (Linux 6.3+); older kernels refuse the flag. */
    int mfd = memfd_create("nsspec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mfd < 0 && errno == EINVAL) mfd = memfd_create("nsspec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0) { int e = errno; close(src); errno = e; return -1; }
    struct stat st;
    if (fstat(src, &st) < 0) goto fail;
    for (off_t left = st.st_size; left > 0;) {
        ssize_t n = sendfile(mfd, src, NULL, (size_t)left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) goto fail;
        left -= n;
    }
    if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) goto fail;
    close(src);
    syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
    { int e = errno; close(mfd); errno = e; }
    return -1;
fail:;
    int e = errno;
    close(src);
    close(mfd);
    errno = e;
    return -1;
}
int nss_open_tmpfile(const char *dir, unsigned mode) {
    return open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, (mode_t)mode);
}
int nss_mount_setattr(const char *path, int recursive, uint64_t set, uint64_t clear, uint64_t propagation) {
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = set;
    attr.attr_clr = clear;
    attr.propagation = propagation;
    return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr);
}
int nss_probe_openat2(void) {
    /* A size below the first struct open_how (24 bytes): EINVAL before the path is read. */
    long rc = syscall(SYS_openat2, AT_FDCWD, "/", NULL, (size_t)0);
    if (rc >= 0) {
        close((int)rc);
        return 0;
    }
    return errno;
}
int nss_probe_mount_setattr(void) {
    /* Flags the kernel does not know: EINVAL before the fd or the path is looked at. */
    long rc = syscall(SYS_mount_setattr, -1, "", ~0U, NULL, (size_t)0);
    return rc < 0 ? errno : 0;
}
char **nss_environ(void) { return environ; }
int nss_wifexited(int status) { return WIFEXITED(status); }
int nss_wexitstatus(int status) { return WEXITSTATUS(status); }
int nss_wifsignaled(int status) { return WIFSIGNALED(status); }
int nss_wtermsig(int status) { return WTERMSIG(status); }

/* clone3(2): one argument layout on every architecture. The new process gets no stack of its
   own (it runs on a copy of the caller's, as after fork) and SIGCHLD as its exit signal.
   glibc's cached tid in the new process's struct pthread is left as the caller's: nothing on
   nsspec's path reads it (raise() and pthread_kill() on self ask the kernel for the tid since
   glibc 2.34; a default mutex records but never checks its owner; a later fork() sets
   it right again), and writing it would mean guessing glibc's layout. */
pid_t nss_clone3(uint64_t flags) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    /* With CLONE_PARENT the kernel refuses an exit signal (EINVAL): the new process takes its
       maker's, SIGCHLD, to the shared parent. */
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && errno == ENOSYS) {
        /* No clone3: a kernel before 5.3, or a seccomp filter that answers ENOSYS for it (as
           container runtimes' default profiles did, so that glibc falls back). clone(2) then,
           with every pointer argument 0, so that the architecture's order of them does not
           matter. */
        pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
    }
    return (pid_t)pid;
}

int nss_user_key_secret(const char *description, unsigned char *out, size_t length) {
    long id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", description, 0);
    if (id < 0) {
        unsigned char fresh[64];
        if (errno != ENOKEY) return -1;
        if (length > sizeof fresh) { errno = EINVAL; return -1; }
        if (getrandom(fresh, length, 0) != (ssize_t)length) return -1;
        id = syscall(SYS_add_key, "user", description, fresh, length, KEY_SPEC_USER_KEYRING);
        explicit_bzero(fresh, sizeof fresh);
        if (id < 0) return -1;
    }
    long n = syscall(SYS_keyctl, KEYCTL_READ, id, out, length);
    if (n < 0) return -1;
    if ((size_t)n != length) { errno = EBADMSG; return -1; }
    return 0;
}

struct nss_build_id_out { unsigned char *out; size_t capacity, length; };

static int nss_build_id_note(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct nss_build_id_out *b = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE) continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
        while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
            const ElfW(Nhdr) *note = (const void *)p;
            const unsigned char *name = p + sizeof *note;
            const unsigned char *desc = name + ((note->n_namesz + 3) & ~3u);
            if (desc > end || (size_t)(end - desc) < note->n_descsz) break;
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                b->length = note->n_descsz < b->capacity ? note->n_descsz : b->capacity;
                memcpy(b->out, desc, b->length);
                return 1;
            }
            p = desc + ((note->n_descsz + 3) & ~3u);
        }
    }
    return 1; /* the first object is the program itself */
}

size_t nss_build_id(unsigned char *out, size_t capacity) {
    struct nss_build_id_out b = { out, capacity, 0 };
    dl_iterate_phdr(nss_build_id_note, &b);
    return b.length;
}

long nss_join_new_session_keyring(void) { return syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, (char *)NULL); }

int nss_seccomp_load(const void *program, size_t length) {
    struct sock_fprog prog = {.len = (unsigned short)(length / sizeof(struct sock_filter)), .filter = (struct sock_filter *)program};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int nss_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int nss_single_threaded(void) { return __libc_single_threaded; }

int nss_socketpair(int fds[2]) { return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds); }

ssize_t nss_send_with_fd(int socket, const void *bytes, size_t length, int fd) {
    struct iovec iov = {.iov_base = (void *)bytes, .iov_len = length};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    return sendmsg(socket, &msg, MSG_NOSIGNAL);
}

ssize_t nss_receive_with_fd(int socket, void *bytes, size_t capacity, int *fd, int *truncated) {
    struct iovec iov = {.iov_base = bytes, .iov_len = capacity};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    *fd = -1;
    ssize_t n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) return n;
    *truncated = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int)))
            memcpy(fd, CMSG_DATA(c), sizeof(int));
    }
    return n;
}

int nss_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int nss_pidfd_exited(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1;
}

size_t nss_termios_size(void) { return sizeof(struct termios); }

int nss_tty_raw(int fd, void *saved) {
    struct termios t;
    if (tcgetattr(fd, &t) < 0) return -1;
    memcpy(saved, &t, sizeof t);
    cfmakeraw(&t);
    return tcsetattr(fd, TCSADRAIN, &t);
}

int nss_tty_restore(int fd, const void *saved) {
    struct termios t;
    memcpy(&t, saved, sizeof t);
    int rc;
    do rc = tcsetattr(fd, TCSADRAIN, &t); while (rc < 0 && errno == EINTR);
    return rc;
}

int nss_winsize_copy(int from, int to) {
    struct winsize w;
    if (ioctl(from, TIOCGWINSZ, &w) < 0) return -1;
    return ioctl(to, TIOCSWINSZ, &w);
}

/* A filesystem of `type` mounted nowhere (fsopen, fsconfig, fsmount): up to two string options
 * (NULL: none) and the mount attributes; the fd of its root, or -1 with errno. */
static int nss_fs_detached(const char *type, const char *k1, const char *v1, const char *k2, const char *v2,
                           unsigned int attributes) {
    int fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC);
    if (fs < 0) return -1;
    if ((k1 && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, k1, v1, 0) < 0) ||
        (k2 && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, k2, v2, 0) < 0) ||
        syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        int e = errno; close(fs); errno = e;
        return -1;
    }
    int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attributes);
    int e = errno;
    close(fs);
    errno = e;
    return mnt;
}

int nss_devpts_detached(void) {
    return nss_fs_detached("devpts", "ptmxmode", "0666", "mode", "0620", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
}

/* A tmpfs of its own, mounted nowhere (an overlay's upper and work live in it): mode 0755. */
int nss_tmpfs_detached(void) {
    return nss_fs_detached("tmpfs", "mode", "0755", NULL, NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
}

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
int nss_pty_open(int dirfd, int *master, int *slave) {
    int m = openat(dirfd, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (m < 0) return -1;
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) { int e = errno; close(m); errno = e; return -1; }
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) { int e = errno; close(m); errno = e; return -1; }
    *master = m;
    *slave = s;
    return 0;
}

int nss_set_ctty(int fd) { return ioctl(fd, TIOCSCTTY, 0); }

static int nss_winch_write = -1;
static void nss_on_winch(int sig) {
    (void)sig;
    int e = errno;
    char b = 1;
    ssize_t n = write(nss_winch_write, &b, 1);
    (void)n;
    errno = e;
}

int nss_winch_pipe(void) {
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) return -1;
    nss_winch_write = p[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nss_on_winch;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGWINCH, &sa, NULL) < 0) { int e = errno; close(p[0]); close(p[1]); errno = e; return -1; }
    return p[0];
}

/* Writes all of buf to fd, waiting (poll) while a non-blocking fd is full. */
static int nss_write_fully(int fd, const char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                struct pollfd p = { fd, POLLOUT, 0 };
                if (poll(&p, 1, -1) < 0 && errno != EINTR) return -1;
                continue;
            }
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

int nss_relay(int in, int out, int master, int winch, int channel, int exited, int *in_open, int *master_open) {
    char buf[16384];
    char pending[4096];
    size_t pending_len = 0, pending_off = 0;
    for (;;) {
        struct pollfd p[6];
        int n = 0, iin = -1, imaster = -1, iwinch = -1, ichannel = -1, iexited = -1;
        if (channel >= 0) { ichannel = n; p[n++] = (struct pollfd){ channel, POLLIN, 0 }; }
        if (exited >= 0) { iexited = n; p[n++] = (struct pollfd){ exited, POLLIN, 0 }; }
        if (winch >= 0) { iwinch = n; p[n++] = (struct pollfd){ winch, POLLIN, 0 }; }
        if (*master_open) {
            imaster = n;
            p[n++] = (struct pollfd){ master, (short)(POLLIN | (pending_len > pending_off ? POLLOUT : 0)), 0 };
        }
        if (*in_open && pending_len == pending_off) { iin = n; p[n++] = (struct pollfd){ in, POLLIN, 0 }; }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (iwinch >= 0 && (p[iwinch].revents & POLLIN)) {
            char drain[64];
            while (read(winch, drain, sizeof drain) > 0) {}
            if (*master_open) nss_winsize_copy(in, master);
        }
        if (imaster >= 0 && p[imaster].revents) {
            if (p[imaster].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t r = read(master, buf, sizeof buf);
                if (r > 0) {
                    if (nss_write_fully(out, buf, (size_t)r) < 0) return -1;
                } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                    *master_open = 0;  /* EIO: every holder of the slave is gone */
                }
            }
            if (*master_open && (p[imaster].revents & POLLOUT) && pending_len > pending_off) {
                ssize_t w = write(master, pending + pending_off, pending_len - pending_off);
                if (w > 0) pending_off += (size_t)w;
                else if (w < 0 && errno != EAGAIN && errno != EINTR) *master_open = 0;
                if (pending_off == pending_len) pending_len = pending_off = 0;
            }
        }
        if (iin >= 0 && (p[iin].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t r = read(in, pending, sizeof pending);
            if (r > 0) {
                pending_len = (size_t)r;
                pending_off = 0;
                if (!*master_open) pending_len = 0;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                *in_open = 0;
            }
        }
        if (ichannel >= 0 && p[ichannel].revents) return 1;
        if (iexited >= 0 && p[iexited].revents) return 2;
    }
}

void nss_relay_drain(int master, int out) {
    char buf[16384];
    for (;;) {
        ssize_t r = read(master, buf, sizeof buf);
        if (r > 0) { if (nss_write_fully(out, buf, (size_t)r) < 0) return; continue; }
        if (r < 0 && errno == EINTR) continue;
        return;
    }
}

/* A helper daemon (pasta) in a process of its own: fd 0 and 1 /dev/null, fd 2 an anonymous
 * file (its messages, read back on failure), fd 3 the write end of a pipe (its "ready"), and
 * `pass[i]` at fd 4 + i; nothing else open; SIGKILL when nsspec dies (PR_SET_PDEATHSIG: the
 * run may end without nsspec's cleanup, e.g. nsspec killed). Returns the pid, or -1. */
int nss_start_helper(const char *path, char *const argv[], char *const envp[], const int *pass, int npass,
                     int *ready_read, int *log_fd) {
    if (npass < 0 || npass > 8) { errno = EINVAL; return -1; }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    int log = memfd_create("nsspec-helper-log", MFD_CLOEXEC);
    if (log < 0) { int e = errno; close(p[0]); close(p[1]); errno = e; return -1; }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(p[0]); close(p[1]); close(log); errno = e; return -1; }
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent) _exit(125);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
        /* Every source above the targets first, so that no dup2 overwrites one still needed. */
        int high = 4 + npass, src[12];
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0) _exit(126);
        int from[12] = {null, null, log, p[1]};
        for (int i = 0; i < npass; i++) from[4 + i] = pass[i];
        for (int i = 0; i < 4 + npass; i++) {
            src[i] = fcntl(from[i], F_DUPFD_CLOEXEC, high);
            if (src[i] < 0) _exit(126);
        }
        for (int i = 0; i < 4 + npass; i++) if (dup2(src[i], i) < 0) _exit(126);
        syscall(SYS_close_range, (unsigned)high, ~0U, 0);
        execve(path, argv, envp);
        dprintf(2, "nsspec: cannot execute %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(p[1]);
    *ready_read = p[0];
    *log_fd = log;
    return pid;
}

/* A line (up to cap - 1 bytes, NUL-terminated, without its newline) from `fd` within
 * `timeout_ms`: its length; 0 at end of file before a newline; -2 on timeout; -1 on error. */
int nss_read_line(int fd, char *buf, int cap, int timeout_ms) {
    int n = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (elapsed >= timeout_ms) return -2;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)(timeout_ms - elapsed));
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        if (r == 0) return -2;
        char c;
        ssize_t got = read(fd, &c, 1);
        if (got < 0) { if (errno == EINTR || errno == EAGAIN) continue; return -1; }
        if (got == 0) { buf[n] = 0; return 0; }
        if (c == '\n') { buf[n] = 0; return n > 0 ? n : 1; }
        if (n < cap - 1) buf[n++] = c;
    }
}

/* Whether a socket of `family` (AF_INET, AF_INET6) binds to `addr` (NULL: any) and `port`,
 * TCP (listening, as pasta does, with SO_REUSEADDR) or UDP: 0, or the errno (EADDRINUSE,
 * EACCES below net.ipv4.ip_unprivileged_port_start, EADDRNOTAVAIL). */
int nss_probe_port(int family, int udp, const unsigned char *addr, int port) {
    int s = socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (s < 0) return errno;
    int one = 1;
    if (!udp) setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (family == AF_INET6) {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((unsigned short)port)};
        if (addr) memcpy(&a.sin6_addr, addr, 16); else a.sin6_addr = in6addr_any;
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        rc = bind(s, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
        if (addr) memcpy(&a.sin_addr, addr, 4); else a.sin_addr.s_addr = htonl(INADDR_ANY);
        rc = bind(s, (struct sockaddr *)&a, sizeof a);
    }
    if (rc == 0 && !udp) rc = listen(s, 1);
    int e = rc < 0 ? errno : 0;
    close(s);
    return e;
}
