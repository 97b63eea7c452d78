// libFuzzer's driver, for a fuzz target whose `main` is its own (SwiftPM links an executable
// target's entry point as `main`, where libFuzzer would bring one). Defined by
// libclang_rt.fuzzer, which -sanitize=fuzzer links in.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
