//go:build !unix

package testbed

import (
	"os"
	"syscall"
)

// Without process groups, only the Node process itself is stopped.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

func terminate(p *os.Process) error { return p.Kill() }

// Installs are only serialized within the process.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlockFile(*os.File) {}
