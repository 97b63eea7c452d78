/* no-clone3 CMD...: run CMD under a seccomp filter that answers ENOSYS to clone3(2), as the
   default profiles of older container runtimes do (so that glibc falls back to clone(2)).
   no-clone3 --probe: print what clone3 returns under the filter ("ENOSYS" when it works). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: no-clone3 --probe | CMD...\n");
        return 2;
    }
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("no-clone3: seccomp");
        return 2;
    }
    if (strcmp(argv[1], "--probe") == 0) {
        long rc = syscall(SYS_clone3, NULL, 0);
        printf("%s\n", rc < 0 && errno == ENOSYS ? "ENOSYS" : strerror(errno));
        return 0;
    }
    execvp(argv[1], argv + 1);
    perror("no-clone3: exec");
    return 127;
}
