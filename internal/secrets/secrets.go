// Package secrets supplies talentd's secret keys: from TALENTD_* environment variables when set,
// otherwise generated once into the data directory (with a warning), so that a first `make run`
// works and later starts keep every token and ciphertext valid.
package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Environment variables that supply the secrets, each as standard base64 of 32 random bytes
// (e.g. `openssl rand -base64 32`).
const (
	EnvTokenPepper   = "TALENTD_TOKEN_PEPPER"
	EnvEncryptionKey = "TALENTD_ENCRYPTION_KEY"
	EnvIndexKey      = "TALENTD_INDEX_KEY"
	// EnvOldEncryptionKeys lists retired encryption keys, comma-separated, that still open old
	// ciphertexts during a key rotation.
	EnvOldEncryptionKeys = "TALENTD_ENCRYPTION_OLD_KEYS"
)

// FileName is the file in the data directory that holds generated secrets.
const FileName = "secrets.json"

const keyLen = 32

// Secrets are the keys talentd needs.
type Secrets struct {
	// TokenPepper keys the hashes of session tokens and API keys.
	TokenPepper []byte
	// EncryptionKey encrypts identity numbers and signing keys at rest (AES-256-GCM).
	EncryptionKey []byte
	// OldEncryptionKeys still decrypt what older keys encrypted, until `talentd reencrypt` ran.
	OldEncryptionKeys [][]byte
	// IndexKey keys the blind indexes of encrypted fields; it does not rotate.
	IndexKey []byte
}

type stored struct {
	TokenPepper   string `json:"token_pepper,omitempty"`
	EncryptionKey string `json:"encryption_key,omitempty"`
	IndexKey      string `json:"index_key,omitempty"`
}

// Load returns the secrets: each from its environment variable when set, else from the data
// directory's secrets file, else newly generated and saved there (mode 0600) with a warning.
func Load(dataDir string, getenv func(string) string, log *slog.Logger) (Secrets, error) {
	s, complete, err := load(dataDir, getenv, log, false)
	if err != nil || complete {
		return s, err
	}
	// Processes starting at once on a fresh data directory must agree on one set of secrets:
	// generate under an exclusive lock, after reading again what another may have saved meanwhile.
	if err := os.MkdirAll(dataDir, 0o711); err != nil {
		return Secrets{}, fmt.Errorf("secrets: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dataDir, FileName+".lock"), os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return Secrets{}, fmt.Errorf("secrets: %w", err)
	}
	defer lock.Close() // releases the flock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return Secrets{}, fmt.Errorf("secrets: lock: %w", err)
	}
	s, _, err = load(dataDir, getenv, log, true)
	return s, err
}

// load is Load without the lock: with generate false it reports (complete == false) instead of
// generating a missing secret.
func load(dataDir string, getenv func(string) string, log *slog.Logger, generate bool) (s Secrets, complete bool, err error) {
	path := filepath.Join(dataDir, FileName)
	var file stored
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &file); err != nil {
			return Secrets{}, false, fmt.Errorf("secrets: %s is not valid JSON: %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return Secrets{}, false, fmt.Errorf("secrets: read %s: %w", path, err)
	}

	changed, missing := false, false
	pick := func(env string, fromFile *string) ([]byte, error) {
		if v := getenv(env); v != "" {
			return decode(env, v)
		}
		if *fromFile != "" {
			return decode(path, *fromFile)
		}
		if !generate {
			missing = true
			return nil, nil
		}
		b := make([]byte, keyLen)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		*fromFile = base64.StdEncoding.EncodeToString(b)
		changed = true
		log.Warn("secret not configured: generated one into the data directory; set it in the environment for production and back it up",
			"variable", env, "file", path)
		return b, nil
	}
	if s.TokenPepper, err = pick(EnvTokenPepper, &file.TokenPepper); err != nil {
		return Secrets{}, false, err
	}
	if s.EncryptionKey, err = pick(EnvEncryptionKey, &file.EncryptionKey); err != nil {
		return Secrets{}, false, err
	}
	if s.IndexKey, err = pick(EnvIndexKey, &file.IndexKey); err != nil {
		return Secrets{}, false, err
	}
	if v := getenv(EnvOldEncryptionKeys); v != "" {
		for _, part := range strings.Split(v, ",") {
			k, err := decode(EnvOldEncryptionKeys, strings.TrimSpace(part))
			if err != nil {
				return Secrets{}, false, err
			}
			s.OldEncryptionKeys = append(s.OldEncryptionKeys, k)
		}
	}
	if missing {
		return Secrets{}, false, nil
	}
	if changed {
		// Traversable (not listable) by others: a private PostgreSQL cluster may live below it.
		if err := os.MkdirAll(dataDir, 0o711); err != nil {
			return Secrets{}, false, fmt.Errorf("secrets: %w", err)
		}
		out, _ := json.MarshalIndent(file, "", "  ")
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, out, 0o600); err != nil {
			return Secrets{}, false, fmt.Errorf("secrets: write %s: %w", tmp, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return Secrets{}, false, fmt.Errorf("secrets: %w", err)
		}
	}
	return s, true, nil
}

func decode(source, v string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != keyLen {
		return nil, fmt.Errorf("secrets: %s must be base64 of exactly %d bytes (e.g. `openssl rand -base64 32`)", source, keyLen)
	}
	return b, nil
}
