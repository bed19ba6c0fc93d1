//go:build unix && !linux

package testbed

import "syscall"

// sysProcAttr puts the child in its own process group so the whole group,
// Node and its mediasoup worker, can be killed together.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
