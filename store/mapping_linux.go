package store

import "syscall"

// releasePages tells the kernel the process no longer needs the n bytes of
// the shared file mapping at addr (MADV_DONTNEED): their pages leave its
// resident set, and a later access maps them again from the page cache
// with the file's content, so readers in other transactions see no change.
func releasePages(addr uintptr, n int64) {
	if addr == 0 || n <= 0 {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(n), syscall.MADV_DONTNEED)
}
