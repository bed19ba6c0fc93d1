package ortcrecv

// ProbatorDrained reports whether the probator's stream was taken and is
// being drained.
func ProbatorDrained(t *Transport) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.probator != nil
}

// Strays counts the open streams of undeclared SSRCs.
func Strays(t *Transport) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.strays)
}
