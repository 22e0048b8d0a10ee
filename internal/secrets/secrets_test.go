package secrets

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func noEnv(string) string { return "" }

func TestLoad_GeneratesOnceAndKeeps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := Load(dir, noEnv, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.TokenPepper) != 32 || len(first.EncryptionKey) != 32 || len(first.IndexKey) != 32 ||
		bytes.Equal(first.TokenPepper, first.EncryptionKey) || bytes.Equal(first.IndexKey, first.EncryptionKey) {
		t.Fatalf("bad generated secrets: %d %d", len(first.TokenPepper), len(first.EncryptionKey))
	}
	info, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("secrets file mode %v, want 0600", info.Mode().Perm())
	}
	second, err := Load(dir, noEnv, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.TokenPepper, second.TokenPepper) || !bytes.Equal(first.EncryptionKey, second.EncryptionKey) ||
		!bytes.Equal(first.IndexKey, second.IndexKey) {
		t.Error("a second start must reuse the generated secrets")
	}
}

func TestLoad_EnvironmentWins(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	env := func(k string) string {
		if k == EnvTokenPepper || k == EnvEncryptionKey || k == EnvIndexKey {
			return base64.StdEncoding.EncodeToString(key)
		}
		return ""
	}
	dir := t.TempDir()
	s, err := Load(dir, env, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.TokenPepper, key) || !bytes.Equal(s.EncryptionKey, key) {
		t.Error("environment values must be used")
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !os.IsNotExist(err) {
		t.Error("nothing must be written when the environment supplies every secret")
	}
}

func TestLoad_RejectsBadValues(t *testing.T) {
	for _, v := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte("short"))} {
		env := func(k string) string {
			if k == EnvTokenPepper {
				return v
			}
			return ""
		}
		_, err := Load(t.TempDir(), env, quiet)
		if err == nil || !strings.Contains(err.Error(), EnvTokenPepper) {
			t.Errorf("value %q: want an error naming %s, got %v", v, EnvTokenPepper, err)
		}
	}
}

func TestLoad_OldKeys(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	env := func(k string) string {
		if k == EnvOldEncryptionKeys {
			return base64.StdEncoding.EncodeToString(k1) + ", " + base64.StdEncoding.EncodeToString(k2)
		}
		return ""
	}
	s, err := Load(t.TempDir(), env, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.OldEncryptionKeys) != 2 || !bytes.Equal(s.OldEncryptionKeys[1], k2) {
		t.Errorf("old keys: %d", len(s.OldEncryptionKeys))
	}
}
