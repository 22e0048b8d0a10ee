package talent_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/errs"
	"talentd/internal/govid"
	"talentd/internal/pgtest"
	"talentd/talent"
)

// TestService_PatchTalent: a merge patch changes only what it names; the identity number left
// out or sent back masked is kept, never stored as a number; a whole new one replaces it.
func TestService_PatchTalent(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	s := talent.NewService(db, testRing(t))
	off := auth.WithPrincipal(context.Background(), office)
	ent, err := s.CreateEnterprise(off, talent.DemoEnterpriseInputs()[0])
	if err != nil {
		t.Fatal(err)
	}
	hrP := auth.Principal{Username: "hr", Role: auth.RoleEnterpriseHR, EnterpriseID: ent.ID}
	hr := auth.WithPrincipal(context.Background(), hrP)
	gen := talent.NewGenerator(11)
	in := gen.Talent(talent.GradeC, nil)
	in.Mobile = "13812345678"
	tl, err := s.CreateTalent(hr, in)
	if err != nil {
		t.Fatal(err)
	}
	number := func(tl talent.Talent) string { return s.IDNumberFor(office, tl) }
	patch := func(ctx context.Context, version int, values talent.TalentInput, names ...string) (talent.Talent, error) {
		named := map[string]bool{}
		for _, n := range names {
			named[n] = true
		}
		return s.PatchTalent(ctx, tl.ID, version, talent.TalentPatch{Values: values, Named: named})
	}

	got, err := patch(hr, 0, talent.TalentInput{IDNumber: tl.IDNumberMasked, Position: "首席工程师"}, "id_number", "position")
	if err != nil {
		t.Fatal(err)
	}
	if number(got) != in.IDNumber || got.IDNumberMasked != govid.MaskIDNumber(in.IDNumber) || got.Position != "首席工程师" ||
		got.Name != in.Name || got.Mobile != in.Mobile || got.Education != in.Education {
		t.Errorf("the masked number sent back must keep the stored one and the other fields: %+v", got)
	}
	if got, err = patch(hr, got.Version, talent.TalentInput{}, "mobile", "title", "gender"); err != nil {
		t.Fatal(err)
	}
	if got.Mobile != "" || got.Title != "none" || got.Gender != in.Gender {
		t.Errorf("null clears mobile, resets title, derives gender again: %+v", got)
	}

	t.Run("ErrStale", func(t *testing.T) {
		if _, err := patch(hr, got.Version-1, talent.TalentInput{Position: "x"}, "position"); errs.KindOf(err) != errs.PreconditionFailed {
			t.Errorf("got %v", err)
		}
	})
	t.Run("RequiredFieldCleared", func(t *testing.T) {
		if _, err := patch(hr, 0, talent.TalentInput{}, "name"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("got %v", err)
		}
	})
	t.Run("ErrDuplicate", func(t *testing.T) {
		o := gen.Talent(talent.GradeD, nil)
		if _, err := s.CreateTalent(off, o); err != nil {
			t.Fatal(err)
		}
		_, err := patch(hr, 0, talent.TalentInput{IDNumber: o.IDNumber, BirthDate: o.BirthDate, Gender: o.Gender},
			"id_number", "birth_date", "gender")
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != "talent_duplicate" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("NewNumber", func(t *testing.T) {
		fresh := gen.Talent(talent.GradeC, nil)
		// A new number brings its own birth date and gender: send them along, as a clerk would.
		changed, err := patch(hr, 0, talent.TalentInput{IDNumber: fresh.IDNumber, BirthDate: fresh.BirthDate, Gender: fresh.Gender},
			"id_number", "birth_date", "gender")
		if err != nil {
			t.Fatal(err)
		}
		if number(changed) != fresh.IDNumber {
			t.Errorf("the whole new number must replace the old one")
		}
		// PUT without an identity number keeps it as well.
		full := in
		full.IDNumber, full.BirthDate, full.Gender = "", fresh.BirthDate, fresh.Gender
		replaced, err := s.UpdateTalent(hr, tl.ID, 0, full)
		if err != nil {
			t.Fatal(err)
		}
		if number(replaced) != fresh.IDNumber {
			t.Errorf("PUT without id_number changed the number")
		}
	})
	t.Run("ErrNotEditable", func(t *testing.T) {
		if _, err := s.Submit(hr, tl.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := patch(hr, 0, talent.TalentInput{Position: "x"}, "position"); !errors.Is(err, talent.ErrNotEditable) {
			t.Errorf("HR patched a submitted record: %v", err)
		}
		if _, err := patch(off, 0, talent.TalentInput{Position: "经办人更正"}, "position"); err != nil {
			t.Errorf("the office corrects a submitted record: %v", err)
		}
	})
	t.Run("ErrTalentNotFound", func(t *testing.T) {
		y, err := s.CreateEnterprise(off, talent.DemoEnterpriseInputs()[1])
		if err != nil {
			t.Fatal(err)
		}
		hrY := auth.WithPrincipal(context.Background(), auth.Principal{Username: "hr-y", Role: auth.RoleEnterpriseHR, EnterpriseID: y.ID})
		if _, err := patch(hrY, 0, talent.TalentInput{Position: "x"}, "position"); !errors.Is(err, talent.ErrTalentNotFound) {
			t.Errorf("HR of another enterprise: %v", err)
		}
	})
	var audited int
	if err := db.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'talent.update' AND entity_id = $1::text`, tl.ID); err != nil {
		t.Fatal(err)
	}
	if audited < 4 {
		t.Errorf("%d audited updates", audited)
	}
}

// TestService_FieldErrorsInChinese: a refused record names each field the clerk must correct by
// its Chinese label, and an enumerated field lists the values it may take.
func TestService_FieldErrorsInChinese(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := auth.WithPrincipal(context.Background(), office)
	in := talent.NewGenerator(5).Talent(talent.GradeC, nil)
	in.Education, in.Mobile = "phd", "23812345678"
	in.BirthDate = in.BirthDate.AddYears(1)
	_, err := s.CreateTalent(ctx, in)
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("got %v", err)
	}
	want := map[string]string{
		"body.education":  "学历须为以下之一：博士、硕士、本科、大专、其他",
		"body.birth_date": "出生日期与身份证号中的出生日期不一致",
		"body.mobile":     "手机号码：",
	}
	for _, f := range e.Fields {
		if w, ok := want[f.Location]; ok && strings.HasPrefix(f.Zh, w) {
			delete(want, f.Location)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing Chinese messages %v among %+v", want, e.Fields)
	}
}
