package greencard

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"errors"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/auth"
	"talentd/internal/cardtoken"
	"talentd/internal/postgres"
	"talentd/internal/reqctx"
	"talentd/talent"
)

// checkToken decides the verdict on a token without recording it; withServices adds, for a valid
// card, the services the holder may use now.
func (s *Service) checkToken(ctx context.Context, q sqlx.QueryerContext, token string, withServices bool) (Verification, error) {
	claims, err := cardtoken.Parse(token)
	if err != nil {
		return Verification{Reason: ReasonMalformed}, nil
	}
	pub, known, err := s.keys.publicKey(ctx, q, claims.KeyID)
	if err != nil {
		return Verification{}, err
	}
	if !known {
		return Verification{Reason: ReasonUnknownKey}, nil
	}
	if _, err := cardtoken.Verify(token, func(uint32) (ed25519.PublicKey, bool) { return pub, true }); err != nil {
		if errors.Is(err, cardtoken.ErrMalformed) {
			return Verification{Reason: ReasonMalformed}, nil
		}
		return Verification{Reason: ReasonBadSignature}, nil
	}
	row, found, err := s.verifiedCard(ctx, q, claims.Serial, withServices)
	if err != nil || !found {
		return Verification{Reason: ReasonNotFound}, err
	}
	return s.judge(row, claims.Serial, int(claims.Version), withServices)
}

// checkSerial decides the verdict on the current version of the card with the serial, as a scan
// of its current QR would.
func (s *Service) checkSerial(ctx context.Context, q sqlx.QueryerContext, serial string, withServices bool) (Verification, error) {
	row, found, err := s.verifiedCard(ctx, q, serial, withServices)
	if err != nil || !found {
		return Verification{Reason: ReasonNotFound}, err
	}
	return s.judge(row, serial, row.CurrentVersion, withServices)
}

// judge gives the verdict on one version of a card that exists. An identified card — any but a
// version never issued — names its holder; only a valid one lists the services.
func (s *Service) judge(row verifiedRow, serial string, version int, withServices bool) (Verification, error) {
	if version > row.CurrentVersion {
		return Verification{Reason: ReasonNotFound}, nil
	}
	v := Verification{talentID: row.TalentID, cardID: row.ID,
		Card:   &CardInfo{Serial: serial, Version: version, Class: CardClass(row.Grade), Status: CardStatus(row.Status), ExpiresOn: row.ExpiresOn},
		Holder: &Holder{Name: maskName(row.Name), BirthYear: row.BirthYear, IDLast4: row.IDLast4, Enterprise: row.Enterprise}}
	switch {
	case version < row.CurrentVersion:
		v.Reason = ReasonSuperseded
	case row.Status == CardSuspended:
		v.Reason = ReasonSuspended
	case row.Status == CardRevoked:
		v.Reason = ReasonRevoked
	case row.ExpiresOn.Before(s.today()):
		v.Reason, v.Card.Status = ReasonExpired, CardExpired
	default:
		v.Valid, v.Reason = true, ReasonValid
		if withServices {
			services, err := availability(row)
			if err != nil {
				return Verification{}, err
			}
			v.Services = services
		}
	}
	return v, nil
}

// availability lists the services of the row's parallel arrays with what remains of each quota.
func availability(row verifiedRow) ([]ServiceAvailability, error) {
	if len(row.Names) != len(row.Codes) || len(row.Quotas) != len(row.Codes) || len(row.Used) != len(row.Codes) {
		return nil, errors.New("greencard: service arrays of unequal length")
	}
	out := make([]ServiceAvailability, len(row.Codes))
	for i, code := range row.Codes {
		out[i] = ServiceAvailability{Code: code, Name: row.Names[i], Unlimited: row.Quotas[i] < 0}
		if q := row.Quotas[i]; q >= 0 {
			left := int(max(q-row.Used[i], 0))
			out[i].Remaining = &left
		}
	}
	return out, nil
}

// Verify checks a card — by its scanned token, or by its serial and the last four characters of
// the holder's identity number — and, for a valid card, lists the services the holder may use now
// with what remains of each yearly quota. Every verification goes to the verification log (staff,
// window, verdict, card) — never the token. A lookup whose serial and last four do not match
// answers not_found, whether or not the serial exists, and after LookupAttempts such answers for
// one serial within LookupWindow the serial is refused for a while (429).
func (s *Service) Verify(ctx context.Context, in VerifyInput) (Verification, error) {
	p, err := auth.Require(ctx, verifierRoles...)
	if err != nil {
		return Verification{}, err
	}
	in.Serial, in.IDLast4, in.Window = strings.ToUpper(strings.TrimSpace(in.Serial)), strings.ToUpper(strings.TrimSpace(in.IDLast4)), strings.TrimSpace(in.Window)
	lookup := in.Serial != "" || in.IDLast4 != ""
	if (in.Token != nil) == lookup {
		return Verification{}, errVerifyForm
	}
	var v Verification
	if in.Token != nil {
		if v, err = s.checkToken(ctx, s.db, *in.Token, true); err != nil {
			return Verification{}, err
		}
		s.vlog.add(s.logEntry(p, in.Window, MethodQR, v, ""))
	} else if v, err = s.lookup(ctx, p, in); err != nil {
		return Verification{}, err
	}
	if err := s.describe(ctx, &v); err != nil {
		return Verification{}, err
	}
	return v, nil
}

// describe adds to a verdict what the reader is told: the reason in the reader's language and,
// for an identified holder with a photo, where the photo is.
func (s *Service) describe(ctx context.Context, v *Verification) error {
	v.Message = ReasonVocab.Label(string(v.Reason), reqctx.Lang(ctx))
	if v.Holder == nil {
		return nil
	}
	has, err := talent.HasPhoto(ctx, s.db, v.talentID)
	if err != nil {
		return postgres.Translate(err, "holder photo")
	}
	if has {
		v.Holder.PhotoURL = photoURL(v.Card.Serial)
	}
	return nil
}

// lookup verifies the card with in.Serial if in.IDLast4 matches its holder, counting failures per
// serial in the verification log. The failures are written inside the transaction that counted
// them, under a lock on the serial, so the count holds across concurrent requests and processes.
func (s *Service) lookup(ctx context.Context, p auth.Principal, in VerifyInput) (Verification, error) {
	if in.Serial == "" || in.IDLast4 == "" {
		return Verification{}, errLookupIncomplete
	}
	now := s.opts.Now()
	var v Verification
	matched := false
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockLookups(ctx, tx, in.Serial); err != nil {
			return err
		}
		failures, oldest, err := failedLookups(ctx, tx, in.Serial, now.Add(-LookupWindow))
		if err != nil {
			return err
		}
		if failures >= LookupAttempts {
			return errLookupThrottled(oldest.Add(LookupWindow).Sub(now))
		}
		row, found, err := s.verifiedCard(ctx, tx, in.Serial, true)
		if err != nil {
			return err
		}
		if found && subtle.ConstantTimeCompare([]byte(strings.ToUpper(row.IDLast4)), []byte(in.IDLast4)) == 1 {
			matched = true
			v, err = s.judge(row, in.Serial, row.CurrentVersion, true)
			return err
		}
		v = Verification{Reason: ReasonNotFound}
		return insertVerificationLines(ctx, tx, []verificationEntry{s.logEntry(p, in.Window, MethodSerial, v, in.Serial)})
	})
	if err != nil {
		return Verification{}, err
	}
	if matched {
		s.vlog.add(s.logEntry(p, in.Window, MethodSerial, v, in.Serial))
	}
	return v, nil
}

// logEntry is the verification log line of a verdict; serial names the card the window asked
// about when the verdict identified none.
func (s *Service) logEntry(p auth.Principal, window, method string, v Verification, serial string) verificationEntry {
	e := verificationEntry{at: s.opts.Now(), accountID: p.ActorID(), window: window, valid: v.Valid,
		reason: string(v.Reason), method: method}
	if v.Card != nil {
		serial, version := v.Card.Serial, v.Card.Version
		e.serial, e.version = &serial, &version
	} else if serial != "" {
		e.serial = &serial
	}
	if v.talentID != 0 {
		id := v.talentID
		e.talentID = &id
	}
	return e
}

// verifiedToday reports whether the account verified the card today (validOnly: and found it
// valid). A verification of a moment ago may still wait in this process's log writer, so a miss
// writes the queue and looks again.
func (s *Service) verifiedToday(ctx context.Context, p auth.Principal, serial string, validOnly bool) (bool, error) {
	if p.AccountID == 0 {
		return false, nil
	}
	seen, err := sawCard(ctx, s.db, p.AccountID, serial, s.startOfToday(), validOnly)
	if err != nil || seen {
		return seen, err
	}
	s.vlog.flush()
	return sawCard(ctx, s.db, p.AccountID, serial, s.startOfToday(), validOnly)
}
