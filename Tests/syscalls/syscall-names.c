/* syscall-names: print, one per line and unsorted, every system call name libseccomp knows for
   x86_64 and for aarch64 (numbers 0 to 1023 of each). generate.sh sorts them, drops duplicates
   and writes Sources/Validation/SyscallNames.swift. Build: cc syscall-names.c -lseccomp */
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64};
    const struct scmp_version *v = seccomp_version();
    fprintf(stderr, "libseccomp %u.%u.%u\n", v->major, v->minor, v->micro);
    for (size_t a = 0; a < sizeof arches / sizeof arches[0]; a++) {
        unsigned count = 0;
        for (int nr = 0; nr < 1024; nr++) {
            char *name = seccomp_syscall_resolve_num_arch(arches[a], nr);
            if (name == NULL) continue;
            printf("%s\n", name);
            free(name);
            count++;
        }
        fprintf(stderr, "%s: %u names\n", a == 0 ? "x86_64" : "aarch64", count);
    }
    return 0;
}
