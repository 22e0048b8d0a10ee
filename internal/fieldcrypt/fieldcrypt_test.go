package fieldcrypt

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealOpen(t *testing.T) {
	r, err := NewRing(key(1), nil, key(9))
	if err != nil {
		t.Fatal(err)
	}
	const id = "11010519491231002X"
	a, b := r.Seal(id, "talent.id_number"), r.Seal(id, "talent.id_number")
	if bytes.Equal(a, b) {
		t.Error("two seals of one value must differ (random nonce)")
	}
	if bytes.Contains(a, []byte(id)) || bytes.Contains(a, []byte("19491231")) {
		t.Error("plaintext visible in the ciphertext")
	}
	got, err := r.Open(a, "talent.id_number")
	if err != nil || got != id {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := r.Open(a, "other.purpose"); !errors.Is(err, ErrUndecryptable) {
		t.Error("a value must not open under another purpose")
	}
	tampered := bytes.Clone(a)
	tampered[len(tampered)-1] ^= 1
	if _, err := r.Open(tampered, "talent.id_number"); !errors.Is(err, ErrUndecryptable) {
		t.Error("tampered ciphertext opened")
	}
	for _, junk := range [][]byte{nil, {1}, {2, 0, 0, 0, 0}, a[:10]} {
		if _, err := r.Open(junk, "talent.id_number"); !errors.Is(err, ErrUndecryptable) {
			t.Errorf("junk %v opened", junk)
		}
	}
}

func TestRotation(t *testing.T) {
	old, _ := NewRing(key(1), nil, key(9))
	sealedOld := old.Seal("440524199001010014", "p")
	rotated, err := NewRing(key(2), [][]byte{key(1)}, key(9))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealedOld, "p"); err != nil || got != "440524199001010014" {
		t.Fatalf("old ciphertext after rotation: %q %v", got, err)
	}
	if rotated.IsCurrent(sealedOld) || !rotated.IsCurrent(rotated.Seal("x", "p")) {
		t.Error("IsCurrent wrong")
	}
	dropped, _ := NewRing(key(2), nil, key(9))
	if _, err := dropped.Open(sealedOld, "p"); !errors.Is(err, ErrUndecryptable) {
		t.Error("a dropped key still opens its ciphertexts")
	}
	if !bytes.Equal(old.Index("v", "p"), rotated.Index("v", "p")) {
		t.Error("the blind index must not change when the encryption key rotates")
	}
}

func TestIndex(t *testing.T) {
	r, _ := NewRing(key(1), nil, key(9))
	other, _ := NewRing(key(1), nil, key(8))
	if !bytes.Equal(r.Index("a", "p"), r.Index("a", "p")) {
		t.Error("index not deterministic")
	}
	if bytes.Equal(r.Index("a", "p"), r.Index("b", "p")) || bytes.Equal(r.Index("a", "p"), r.Index("a", "q")) ||
		bytes.Equal(r.Index("a", "p"), other.Index("a", "p")) {
		t.Error("index collisions across value, purpose or key")
	}
}

func TestNewRing_BadKeys(t *testing.T) {
	if _, err := NewRing(key(1)[:16], nil, key(9)); err == nil || !strings.Contains(err.Error(), "32") {
		t.Errorf("short key: %v", err)
	}
	if _, err := NewRing(key(1), nil, nil); err == nil {
		t.Error("missing index key accepted")
	}
}
