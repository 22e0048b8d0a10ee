package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"talentd/greencard"
	"talentd/internal/auth"
	"talentd/internal/pgtest"
	"talentd/internal/postgres"
	"talentd/internal/secrets"
	"talentd/talent"
)

// TestRotation_EncryptionKeyEndToEnd follows the README's rotation with every slice wired: data
// sealed under the old key (identity numbers, the card signing key), then the new key current with
// the old one retired, `talentd reencrypt`, then the old key removed — after which approvals still
// issue signed cards and every card verifies.
func TestRotation_EncryptionKeyEndToEnd(t *testing.T) {
	t.Parallel()
	url := pgtest.NewURL(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, postgres.PoolConfig{MaxOpenConns: 4, MaxIdleConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	office := auth.WithPrincipal(ctx, auth.Principal{Username: "office", Role: auth.RoleTalentOffice})
	window := auth.WithPrincipal(ctx, auth.Principal{Username: "window", Role: auth.RoleServiceWindow})
	gen := talent.NewGenerator(2024)

	wire := func(sec secrets.Secrets) *services {
		t.Helper()
		svc, err := newServices(db, sec, &config{}, discardLog())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.greencard.Close)
		return svc
	}
	type holder struct {
		id       int64
		idNumber string
		card     greencard.Card
	}
	var holders []holder
	approve := func(svc *services, when string) {
		t.Helper()
		in := gen.Talent(talent.GradeC, nil)
		tl, err := svc.talent.CreateTalent(office, in)
		if err == nil {
			_, err = svc.talent.Submit(office, tl.ID)
		}
		if err == nil {
			_, err = svc.talent.Approve(office, tl.ID)
		}
		if err != nil {
			t.Fatalf("approval %s: %v", when, err)
		}
		c, err := svc.greencard.CardOfTalent(office, tl.ID)
		if err != nil {
			t.Fatalf("card issued %s: %v", when, err)
		}
		holders = append(holders, holder{tl.ID, in.IDNumber, c})
	}

	oldSec := testSecrets()
	oldKey, newKey := oldSec.EncryptionKey, bytes.Repeat([]byte{5}, 32)
	approve(wire(oldSec), "before the rotation") // also creates the first signing key, sealed under the old key

	b64 := base64.StdEncoding.EncodeToString
	envWith := func(current []byte, old ...[]byte) func(string) string {
		olds := make([]string, len(old))
		for i, k := range old {
			olds[i] = b64(k)
		}
		return env(map[string]string{"TALENTD_DATABASE_URL": url, "TALENTD_DATA_DIR": t.TempDir(),
			"TALENTD_LOG_LEVEL": "error", "TALENTD_TOKEN_PEPPER": b64(oldSec.TokenPepper),
			"TALENTD_INDEX_KEY": b64(oldSec.IndexKey), "TALENTD_ENCRYPTION_KEY": b64(current),
			"TALENTD_ENCRYPTION_OLD_KEYS": strings.Join(olds, ",")})
	}
	reencrypt := func(e func(string) string) (map[string]int, string, error) {
		var out bytes.Buffer
		err := run(ctx, []string{"talentd", "reencrypt"}, e, &out)
		counts := map[string]int{}
		for _, m := range regexp.MustCompile(`(?m)^re-encrypted (\d+) ([a-z ]+) under the current key$`).FindAllStringSubmatch(out.String(), -1) {
			counts[m[2]], _ = strconv.Atoi(m[1])
		}
		return counts, out.String(), err
	}

	// Forgetting the old key: the command stops, saying what it cannot open and what to do.
	if _, _, err := reencrypt(envWith(newKey)); err == nil ||
		!strings.Contains(err.Error(), "identity number") || !strings.Contains(err.Error(), "TALENTD_ENCRYPTION_OLD_KEYS") {
		t.Errorf("re-encryption without the old key: %v", err)
	}

	// The rotation: servers restarted with the new key current and the old one retired.
	rotated := oldSec
	rotated.EncryptionKey, rotated.OldEncryptionKeys = newKey, [][]byte{oldKey}
	approve(wire(rotated), "during the rotation") // sealed under the new key already
	counts, out, err := reencrypt(envWith(newKey, oldKey))
	if err != nil {
		t.Fatalf("reencrypt: %v\n%s", err, out)
	}
	if _, ok := counts["housing applicant identity numbers and round seeds"]; !ok ||
		counts["identity numbers"] != 1 || counts["card signing keys"] != 1 {
		t.Errorf("reencrypt reported %v:\n%s", counts, out)
	}
	if counts, out, err := reencrypt(envWith(newKey, oldKey)); err != nil || len(counts) < 2 ||
		counts["identity numbers"] != 0 || counts["card signing keys"] != 0 {
		t.Errorf("a second run must find nothing left: %v %v\n%s", counts, err, out)
	}

	// The old key removed: approvals sign cards, every card verifies, every number opens.
	newOnly := oldSec
	newOnly.EncryptionKey = newKey
	after := wire(newOnly)
	approve(after, "after the old key was removed")
	for i, h := range holders {
		v, err := after.greencard.Verify(window, greencard.VerifyInput{Token: &h.card.Token, Window: "rotation test"})
		if err != nil || !v.Valid {
			t.Errorf("card %d (%s): %v %+v", i, h.card.Serial, err, v)
		}
		tl, err := after.talent.GetTalent(office, h.id)
		if err != nil {
			t.Fatal(err)
		}
		if after.talent.IDNumberFor(auth.Principal{Role: auth.RoleTalentOffice}, tl) != h.idNumber {
			t.Errorf("talent %d: identity number does not open after the rotation", h.id)
		}
	}
}
