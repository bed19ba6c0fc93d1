package ortc

import "testing"

func TestParseScalabilityMode(t *testing.T) {
	cases := []struct {
		in   string
		want ScalabilityMode
	}{
		{"L1T1", ScalabilityMode{1, 1, false}},
		{"L1T3", ScalabilityMode{1, 3, false}},
		{"L3T3", ScalabilityMode{3, 3, false}},
		{"S3T3", ScalabilityMode{3, 3, false}},
		{"S2T1h", ScalabilityMode{2, 1, false}},
		{"L3T3_KEY", ScalabilityMode{3, 3, true}},
		{"L2T3_KEY_SHIFT", ScalabilityMode{2, 3, true}},
		{"L16T16", ScalabilityMode{16, 16, false}},
		{"L10T12_KEY", ScalabilityMode{10, 12, true}},
		{"L1T3garbage", ScalabilityMode{1, 3, false}}, // prefix match, as mediasoup
		{"L3T17", ScalabilityMode{3, 1, false}},       // prefix "L3T1"
		{"S2T2_KEY", ScalabilityMode{2, 2, true}},
		// Everything below falls back to one spatial and one temporal layer.
		{"", ScalabilityMode{1, 1, false}},
		{"L0T1", ScalabilityMode{1, 1, false}},
		{"L1T0", ScalabilityMode{1, 1, false}},
		{"L17T1", ScalabilityMode{1, 1, false}},
		{"L1T17", ScalabilityMode{1, 1, false}},
		{"l1t3", ScalabilityMode{1, 1, false}},
		{"X1T3", ScalabilityMode{1, 1, false}},
		{" L1T3", ScalabilityMode{1, 1, false}},
		{"L01T3", ScalabilityMode{1, 1, false}},
		{"LT3", ScalabilityMode{1, 1, false}},
	}
	for _, tc := range cases {
		if got := ParseScalabilityMode(tc.in); got != tc.want {
			t.Errorf("ParseScalabilityMode(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestValidScalabilityMode(t *testing.T) {
	valid := []string{
		"L1T1", "L1T2", "L1T3", "L2T1", "L2T2", "L2T3", "L3T1", "L3T2", "L3T3",
		"L2T1h", "L2T2h", "L2T3h", "L3T1h", "L3T2h", "L3T3h",
		"S2T1", "S2T2", "S2T3", "S2T1h", "S3T3", "S3T3h",
		"L2T2_KEY", "L2T2_KEY_SHIFT", "L3T3_KEY", "L3T3_KEY_SHIFT", "L16T16",
	}
	for _, s := range valid {
		if !ValidScalabilityMode(s) {
			t.Errorf("ValidScalabilityMode(%q) = false, want true", s)
		}
	}
	invalid := []string{
		"", "L0T1", "L1T0", "L17T1", "L1T17", "l1t3", "L1T3 ", "L1T3garbage",
		"L1T3_SHIFT", "L1T3hh", "L1T3_KEYh", "S", "T1", "L1", "L1T", "L-1T1", "L1T3\n",
	}
	for _, s := range invalid {
		if ValidScalabilityMode(s) {
			t.Errorf("ValidScalabilityMode(%q) = true, want false", s)
		}
	}
}
