package mediafile

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestOpusDuration(t *testing.T) {
	toc := func(config, code byte) byte { return config<<3 | code }
	for _, tc := range []struct {
		name   string
		packet []byte
		want   time.Duration
		ok     bool
	}{
		{"SILK 10 ms", []byte{toc(0, 0)}, 10 * time.Millisecond, true},
		{"SILK 20 ms", []byte{toc(1, 0)}, 20 * time.Millisecond, true},
		{"SILK 60 ms", []byte{toc(11, 0)}, 60 * time.Millisecond, true},
		{"hybrid 10 ms", []byte{toc(12, 0)}, 10 * time.Millisecond, true},
		{"hybrid 20 ms", []byte{toc(15, 0)}, 20 * time.Millisecond, true},
		{"CELT 2.5 ms", []byte{toc(16, 0)}, 2500 * time.Microsecond, true},
		{"CELT 20 ms", []byte{toc(31, 0)}, 20 * time.Millisecond, true},
		{"two equal frames", []byte{toc(31, 1), 0}, 40 * time.Millisecond, true},
		{"two frames of different sizes", []byte{toc(1, 2), 0}, 40 * time.Millisecond, true},
		{"code 3, five frames", []byte{toc(18, 3), 5}, 50 * time.Millisecond, true},
		{"code 3, no count byte", []byte{toc(31, 3)}, 0, false},
		{"code 3, zero frames", []byte{toc(31, 3), 0x80}, 0, false},
		{"over 120 ms", []byte{toc(3, 3), 3}, 0, false},
		{"empty packet", nil, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := opusDuration(tc.packet)
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

// Readers and Play start no goroutines that outlive them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
