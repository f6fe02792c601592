//go:build !linux

package store

// releasePages does nothing where the resident pages of a file mapping
// are not released by hand.
func releasePages(addr uintptr, n int64) {}
