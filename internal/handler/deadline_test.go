package handler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDeadlineWait(t *testing.T) {
	closed := make(chan struct{})
	close(closed)

	var d Deadline
	require.NoError(t, d.Wait(closed, nil), "ready")
	require.NoError(t, d.Wait(nil, closed), "stopped")

	d.Set(time.Now().Add(-time.Second))
	require.ErrorIs(t, d.Wait(nil, nil), ErrDeadline, "passed")

	// A deadline set while waiting ends the wait.
	d.Set(time.Time{})
	go func() {
		time.Sleep(20 * time.Millisecond)
		d.Set(time.Now().Add(20 * time.Millisecond))
	}()
	start := time.Now()
	require.ErrorIs(t, d.Wait(nil, nil), ErrDeadline, "set later")
	require.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)

	// Ready while waiting with a deadline far off.
	d.Set(time.Now().Add(time.Minute))
	ready := make(chan struct{})
	go func() {
		time.Sleep(10 * time.Millisecond)
		close(ready)
	}()
	require.NoError(t, d.Wait(ready, nil))
	require.Equal(t, time.Minute.Round(time.Minute), time.Until(d.Get()).Round(time.Minute))
}
