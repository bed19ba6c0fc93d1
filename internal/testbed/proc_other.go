//go:build unix && !linux

package testbed

import "syscall"

// sysProcAttr puts the server in its own process group so Stop can kill it
// and its worker together.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }
