// The gaps of Swift's Glibc module: names that need _GNU_SOURCE, variadic functions and
// function-like macros, each behind a plain C function. Only System/Linux*.swift calls these.
#ifndef NSSPEC_CLINUX_H
#define NSSPEC_CLINUX_H

#include <stdint.h>
#include <sys/types.h>

int nss_unshare(uint64_t flags);
int nss_setns(int fd, uint64_t nstype);
/* The user namespace that owns the namespace at `path` (ioctl NS_GET_USERNS): its inode and the
   uid that made it (NS_GET_OWNER_UID). -1 with errno: EPERM when that user namespace is outside
   the caller's (not its own nor one beneath it). */
int nss_namespace_owner(const char *path, uint64_t *inode, uint32_t *uid);
/* The inode of the namespace at `path` (stat). */
int nss_namespace_inode(const char *path, uint64_t *inode);
int nss_pivot_root(const char *new_root, const char *put_old);
int nss_sethostname(const char *name, size_t len);
int nss_setdomainname(const char *name, size_t len);
int nss_setresuid(uid_t r, uid_t e, uid_t s);
int nss_setresgid(gid_t r, gid_t e, gid_t s);
int nss_setgroups(size_t n, const gid_t *list);
int nss_set_no_new_privs(void);
int nss_set_pdeathsig(int sig);
int nss_set_child_subreaper(void);
int nss_set_keepcaps(int on);
int nss_set_dumpable(int on);
int nss_capbset_drop(int cap);
int nss_ambient_clear_all(void);
int nss_ambient_raise(int cap);
int nss_cap_last_cap(void);
int nss_close_range_cloexec(unsigned first);
/// close_range(first, last, 0).
int nss_close_range(unsigned first, unsigned last);
/// openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: `path` is resolved as if `rootfd` were "/".
/// Retried (up to 64 times) while the kernel answers EAGAIN, as it does when a rename or mount
/// elsewhere races a ".." of the lookup.
int nss_openat_in_root(int rootfd, const char *path, int flags, unsigned mode);
/// openat2 with RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS.
int nss_openat_beneath(int dirfd, const char *path, int flags, unsigned mode);
/// A bind mount of `source` on `target` whose attributes are set before it is attached:
/// open_tree(OPEN_TREE_CLONE), mount_setattr on the detached tree, move_mount, then the
/// propagation on the attached mount through the same fd. No path is looked up twice, so a
/// rename between the steps cannot move the attributes to another mount. -1 and errno on failure;
/// *failed_step says which system call failed (0 open_tree, 1 mount_setattr, 2 move_mount, 3 propagation).
int nss_bind_tree(const char *source, const char *target, int recursive, int attr_recursive,
                  uint64_t set, uint64_t clear, uint64_t propagation, int *failed_step);
/// 1 if this process runs from a write-sealed memfd (nsspec_reexec_sealed's copy), 0 if not.
int nss_exe_is_sealed(void);
/// Copies the running binary into a memfd, seals it against every change, and execs it with
/// `argv` and `envp`: /proc/self/exe is then that sealed copy (runc's CVE-2019-5736 fix).
/// Returns only on failure (-1, errno).
int nss_reexec_sealed(char *const argv[], char *const envp[]);
/// open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode): an unnamed file in `dir`, gone with its fd.
int nss_open_tmpfile(const char *dir, unsigned mode);
/// mount_setattr(2) on `path` (recursively when asked): set and clear MOUNT_ATTR_RDONLY (1),
/// NOSUID (2), NODEV (4), NOEXEC (8); `propagation` is 0 or an MS_* propagation flag.
int nss_mount_setattr(const char *path, int recursive, uint64_t set, uint64_t clear, uint64_t propagation);
/// clone3(flags, exit signal SIGCHLD) without a new stack: like fork(), with CLONE_PARENT (a
/// sibling of the caller) or CLONE_NEW* (the new process starts in new namespaces). Returns
/// like fork().
pid_t nss_clone3(uint64_t flags);
/// Probes for `nsspec doctor`: a call of openat2 (nss_probe_openat2) or mount_setattr
/// (nss_probe_mount_setattr) that the kernel refuses before it looks at anything — EINVAL where
/// the call exists, ENOSYS where it does not, another errno where a filter refuses it. Returns
/// that errno (0 if the call succeeded, which it should not). Nothing is opened or changed.
int nss_probe_openat2(void);
int nss_probe_mount_setattr(void);
/// keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL): a new anonymous session keyring; its serial.
long nss_join_new_session_keyring(void);
/// The secret of nsspec's cache: a `length`-byte "user" key of this description in the caller's
/// user keyring, made from getrandom(2) when there is none. Its permissions are the kernel's
/// default (all for a possessor, only "view" for the rest of the uid). The user keyring is per
/// user namespace (Linux 5.3+): a sandbox in a user namespace of its own has another. 0, or -1
/// with errno.
int nss_user_key_secret(const char *description, unsigned char *out, size_t length);
/// The GNU build id of the running program (its NT_GNU_BUILD_ID note), at most `capacity`
/// bytes of it; its length, or 0 when it has none.
size_t nss_build_id(unsigned char *out, size_t capacity);
/// seccomp(SECCOMP_SET_MODE_FILTER): install a classic BPF program of `length` bytes (a whole
/// number of struct sock_filter). No allocation: it runs after fork.
int nss_seccomp_load(const void *program, size_t length);
/// memfd_create(name, MFD_CLOEXEC).
int nss_memfd(const char *name);
/// glibc's __libc_single_threaded: false once the process has started a thread.
int nss_single_threaded(void);
/// socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC).
int nss_socketpair(int fds[2]);
/// sendmsg of one message, with `fd` as SCM_RIGHTS when it is >= 0 (MSG_NOSIGNAL).
ssize_t nss_send_with_fd(int socket, const void *bytes, size_t length, int fd);
/// recvmsg of one message; `*fd` is a received descriptor (close-on-exec) or -1, and
/// `*truncated` says the message or its control data did not fit.
ssize_t nss_receive_with_fd(int socket, void *bytes, size_t capacity, int *fd, int *truncated);
/// pidfd_open(2), and whether that process has exited (poll, no wait).
int nss_pidfd_open(pid_t pid);
int nss_pidfd_exited(int fd);
/// The caller's environment (Glibc.environ needs _GNU_SOURCE-free access).
char **nss_environ(void);
int nss_wifexited(int status);
int nss_wexitstatus(int status);
int nss_wifsignaled(int status);
int nss_wtermsig(int status);


// Terminals: the sandbox's pseudo-terminal and nsspec's relay of it.
/// sizeof(struct termios), for a saved copy.
size_t nss_termios_size(void);
/// Saves fd's terminal attributes in `saved` and sets it raw (cfmakeraw, TCSADRAIN). 0 or -1.
int nss_tty_raw(int fd, void *saved);
/// Puts back attributes saved by nss_tty_raw (TCSADRAIN). 0 or -1.
int nss_tty_restore(int fd, const void *saved);
/// The window size of `from` (TIOCGWINSZ) set on `to` (TIOCSWINSZ). 0 or -1.
int nss_winsize_copy(int from, int to);
/// A new devpts instance on a detached mount (fsopen, fsmount: attached nowhere), ptmxmode
/// 0666: an O_PATH fd of its root, or -1.
int nss_devpts_detached(void);
int nss_tmpfs_detached(void);
/// A pty from the devpts whose root `dirfd` is (its `ptmx`), unlocked; the slave through
/// TIOCGPTPEER, with no path lookup. Both close-on-exec, the master non-blocking. 0 or -1.
int nss_pty_open(int dirfd, int *master, int *slave);
/// ioctl(fd, TIOCSCTTY, 0): fd's terminal becomes the caller's (a session leader's) controlling terminal.
int nss_set_ctty(int fd);
/// A pipe that receives a byte on every SIGWINCH (the handler writes it); its read end, or -1.
int nss_winch_pipe(void);
/// The relay: copies `in` (nsspec's terminal) to `master` and `master` to `out`, applies the
/// window size of `in` to `master` on every byte from `winch`, until `channel` is readable
/// (returns 1), `exited` (a pidfd) is (returns 2), or an error (-1 with errno); a negative fd is
/// not polled. `*master_open` becomes 0 once the pty's other side is gone (EIO), `*in_open` once
/// `in` ends; neither is polled then.
int nss_relay(int in, int out, int master, int winch, int channel, int exited, int *in_open, int *master_open);
/// What is left to read on `master` (non-blocking), written to `out`.
void nss_relay_drain(int master, int out);

/// A helper daemon (pasta): fd 0, 1 /dev/null, 2 an anonymous file (`*log_fd`), 3 a pipe's
/// write end (`*ready_read` its read end), `pass[i]` at 4 + i; SIGKILL when nsspec dies.
int nss_start_helper(const char *path, char *const argv[], char *const envp[], const int *pass, int npass,
                     int *ready_read, int *log_fd);
/// A line from `fd` within `timeout_ms`: its length; 0 at end of file; -2 timeout; -1 error.
int nss_read_line(int fd, char *buf, int cap, int timeout_ms);
/// 0 when a TCP (listening) or UDP socket binds to the address (NULL: any) and port; else errno.
int nss_probe_port(int family, int udp, const unsigned char *addr, int port);

#endif
