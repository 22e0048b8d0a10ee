package talent

import (
	"context"
	"reflect"
	"strings"

	"github.com/jmoiron/sqlx"

	"talentd/internal/audit"
	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/etag"
	"talentd/internal/postgres"
)

// TalentPatch is a JSON merge patch (RFC 7396) of a record's editable fields. Named holds the JSON
// names of the members the patch sends; Values holds their values. A member sent as null is named
// with its zero value, which clears the field (an enumerated field falls back to its default, the
// birth date and gender to what the identity number says). Members not named keep their values.
type TalentPatch struct {
	Values TalentInput
	Named  map[string]bool
}

// applyTo returns base with the named members replaced.
func (p TalentPatch) applyTo(base TalentInput) TalentInput {
	dst, src := reflect.ValueOf(&base).Elem(), reflect.ValueOf(p.Values)
	for i := range dst.NumField() {
		name, _, _ := strings.Cut(dst.Type().Field(i).Tag.Get("json"), ",")
		if p.Named[name] {
			dst.Field(i).Set(src.Field(i))
		}
	}
	return base
}

// UpdateTalent replaces a record's fields. HR may edit only drafts and returned records of its
// enterprise; the talent office may also correct submitted and registered ones (the grade of a
// registered record stays as decided until it is re-graded). ifVersion, when non-zero, must match.
// An identity number left empty, or sent back masked as the caller was shown it, keeps the stored
// one: HR, who only ever sees numbers masked, can correct a record without retyping it.
func (s *Service) UpdateTalent(ctx context.Context, id int64, ifVersion int, in TalentInput) (Talent, error) {
	return s.edit(ctx, id, ifVersion, func(Talent) TalentInput { return in })
}

// PatchTalent changes only the fields the patch names, under the same rules as UpdateTalent.
func (s *Service) PatchTalent(ctx context.Context, id int64, ifVersion int, patch TalentPatch) (Talent, error) {
	return s.edit(ctx, id, ifVersion, func(before Talent) TalentInput { return patch.applyTo(before.input()) })
}

// edit writes the input that next makes of the record as it stands, inside one transaction with
// the record locked, so that a patch applies to what it patches.
func (s *Service) edit(ctx context.Context, id int64, ifVersion int, next func(before Talent) TalentInput) (Talent, error) {
	p, scope, err := editorScope(ctx, editorRoles...)
	if err != nil {
		return Talent{}, err
	}
	var out Talent
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		before, err := visibleTalent(ctx, tx, scope, id, true)
		if err != nil {
			return err
		}
		if err := etag.Check(ifVersion, before.Version); err != nil {
			return err
		}
		if err := editRefusal(p.Role, before.Status); err != nil {
			return err
		}
		in := next(before)
		if err := s.keepIDNumber(before, &in); err != nil {
			return err
		}
		if err := s.prepare(scope, &in); err != nil {
			return err
		}
		sid := s.seal(in.IDNumber)
		// Asked before the update: once a unique violation has aborted the transaction, nothing
		// more can be read in it to say whose number this is.
		if st, err := otherStatusByHash(ctx, tx, sid.hash, id); err == nil {
			return errDuplicate(st)
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		if out, err = updateTalentRow(ctx, tx, id, in, sid); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "talent.update", EntityType: "talent",
			EntityID: talentEntity(id), Before: auditView(before), After: auditView(out)})
	})
	return out, err
}

// keepIDNumber puts the stored identity number into an input that leaves it out or sends it
// masked: a number with "*" in it is what the caller was shown, never a number to store.
func (s *Service) keepIDNumber(before Talent, in *TalentInput) error {
	if n := strings.TrimSpace(in.IDNumber); n != "" && !strings.Contains(n, "*") {
		return nil
	}
	idNumber, err := s.ring.Open(before.IDNumberCipher, idPurpose)
	if err != nil {
		return errs.Wrap(errs.Internal, "id_number_unreadable", "系统暂时无法读取该记录的身份证号，请联系系统管理员",
			"the stored identity number cannot be decrypted", err)
	}
	in.IDNumber = idNumber
	return nil
}

// editRefusal says why the caller may not change a record in this status, or nil if it may. It is
// the one rule for the API and the import: HR edits drafts and returned records; the office also corrects
// records under review and registered ones; nobody edits a rejected record or one that left
// (the office re-registers them first).
func editRefusal(role auth.Role, st Status) *errs.Error {
	label := StatusVocab.Label(string(st), "zh")
	switch {
	case st == StatusDraft || st == StatusReturned:
		return nil
	case st == StatusRejected || st == StatusLeft:
		return errs.New(errs.Conflict, ErrNotEditable.Code,
			"该记录状态为“"+label+"”，不能修改；如需重新登记，请联系人才办",
			"the record's status is \""+string(st)+"\": it cannot be changed; the talent office can re-register the person")
	case role == auth.RoleEnterpriseHR:
		return errs.New(errs.Conflict, ErrNotEditable.Code,
			"该记录状态为“"+label+"”，企业只能修改草稿或已退回的记录；如需更正，请联系人才办",
			"the record's status is \""+string(st)+"\": HR may change only draft or returned records; ask the talent office to correct it")
	}
	return nil
}
