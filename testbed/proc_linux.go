//go:build linux

package testbed

import "syscall"

// sysProcAttr puts the child in its own process group (so the whole group,
// Node and its mediasoup worker, can be killed together) and has the kernel
// kill it if this process dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
