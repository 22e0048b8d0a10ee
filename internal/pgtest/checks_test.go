package pgtest

import (
	"slices"
	"testing"
)

func TestCheckedValues(t *testing.T) {
	db := New(t)
	got := CheckedValues(t, db, "talents", "education")
	want := []string{"associate", "bachelor", "doctorate", "master", "other"}
	if !slices.Equal(got, want) {
		t.Errorf("CheckedValues(talents, education) = %v, want %v", got, want)
	}
}
