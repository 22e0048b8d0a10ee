package talent_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/fieldcrypt"
	"talentd/internal/govid"
	"talentd/internal/pgtest"
	"talentd/talent"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var office = auth.Principal{AccountID: 0, Username: "office", Role: auth.RoleTalentOffice}

func TestService_CreateEnterprise(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := auth.WithPrincipal(context.Background(), office)
	in := talent.DemoEnterpriseInputs()[0]

	e, err := s.CreateEnterprise(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == 0 || e.Version != 1 || e.USCC != in.USCC {
		t.Errorf("created %+v", e)
	}
	t.Run("ErrUSCCTaken", func(t *testing.T) {
		again := in
		again.Name = "另一家公司"
		if _, err := s.CreateEnterprise(ctx, again); !errors.Is(err, talent.ErrUSCCTaken) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("InvalidChecksum", func(t *testing.T) {
		bad := talent.DemoEnterpriseInputs()[1]
		bad.USCC = bad.USCC[:17] + map[bool]string{true: "1", false: "2"}[bad.USCC[17] != '1']
		_, err := s.CreateEnterprise(ctx, bad)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != "body.uscc" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("BlankName", func(t *testing.T) {
		blank := talent.DemoEnterpriseInputs()[2]
		blank.Name = "   "
		if _, err := s.CreateEnterprise(ctx, blank); errs.KindOf(err) != errs.Invalid {
			t.Errorf("got %v", err)
		}
	})
}

func TestService_GetEnterprise(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := auth.WithPrincipal(context.Background(), office)
	x, err := s.CreateEnterprise(ctx, talent.DemoEnterpriseInputs()[0])
	if err != nil {
		t.Fatal(err)
	}
	y, err := s.CreateEnterprise(ctx, talent.DemoEnterpriseInputs()[1])
	if err != nil {
		t.Fatal(err)
	}
	hr := auth.WithPrincipal(context.Background(), auth.Principal{AccountID: 9, Role: auth.RoleEnterpriseHR, EnterpriseID: x.ID})
	if _, err := s.GetEnterprise(hr, x.ID); err != nil {
		t.Errorf("own enterprise: %v", err)
	}
	t.Run("ErrEnterpriseNotFound", func(t *testing.T) {
		if _, err := s.GetEnterprise(hr, y.ID); !errors.Is(err, talent.ErrEnterpriseNotFound) {
			t.Errorf("another enterprise: %v", err)
		}
		if _, err := s.GetEnterprise(ctx, 424242); !errors.Is(err, talent.ErrEnterpriseNotFound) {
			t.Errorf("missing id: %v", err)
		}
	})
	t.Run("NoPrincipal", func(t *testing.T) {
		if _, err := s.GetEnterprise(context.Background(), x.ID); errs.KindOf(err) != errs.Unauthenticated {
			t.Errorf("got %v", err)
		}
	})
}

func TestService_SeedDemoEnterprises(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	s := talent.NewService(db, testRing(t))
	ctx := auth.WithPrincipal(context.Background(), auth.System)
	all, created, err := s.SeedDemoEnterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if created != talent.DemoEnterprises || len(all) != talent.DemoEnterprises {
		t.Fatalf("created %d of %d", created, len(all))
	}
	key, suppliers := 0, 0
	for _, e := range all {
		if !govid.ValidUSCC(e.USCC) {
			t.Errorf("demo credit code %s is invalid", e.USCC)
		}
		if e.KeyEnterprise {
			key++
		}
		if e.LocalSupplier {
			suppliers++
		}
	}
	if key != 11 || suppliers != 36 {
		t.Errorf("%d key enterprises and %d local suppliers, want 11 and 36", key, suppliers)
	}
	again, created, err := s.SeedDemoEnterprises(ctx)
	if err != nil || created != 0 || len(again) != len(all) || again[0].ID != all[0].ID {
		t.Errorf("second seeding: created %d, err %v", created, err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM enterprises`); err != nil || n != talent.DemoEnterprises {
		t.Errorf("%d enterprises after seeding twice", n)
	}
}

func testRing(t testing.TB) *fieldcrypt.Ring {
	t.Helper()
	r, err := fieldcrypt.NewRing(bytes.Repeat([]byte{1}, 32), nil, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newService(t *testing.T) *talent.Service { return talent.NewService(pgtest.New(t), testRing(t)) }

// TestStats_CountsFollowChanges checks that the running counts behind the statistics agree with
// the registry itself after inserts, workflow updates, bulk loads and deletes.
func TestStats_CountsFollowChanges(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	s := talent.NewService(db, testRing(t))
	ctx := auth.WithPrincipal(context.Background(), auth.System)
	ents, _, err := s.SeedDemoEnterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedDemoTalents(ctx, ents[:5], civil.DistrictToday()); err != nil {
		t.Fatal(err)
	}
	off := auth.WithPrincipal(context.Background(), office)
	gen := talent.NewGenerator(5)
	tl, err := s.CreateTalent(off, gen.Talent(talent.GradeC, &ents[0].ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context, int64) (talent.Talent, error){s.Submit, s.Approve} {
		if _, err := step(off, tl.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Leave(off, tl.ID, "调离"); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		st, err := s.TalentStats(off)
		if err != nil {
			t.Fatal(err)
		}
		var want struct {
			Registered, Employed, Left, Doctorate int
		}
		if err := db.Get(&want, `SELECT count(*) FILTER (WHERE status = 'registered') AS registered,
			count(*) FILTER (WHERE status = 'registered' AND enterprise_id IS NOT NULL) AS employed,
			count(*) FILTER (WHERE status = 'left') AS left,
			count(*) FILTER (WHERE status = 'registered' AND education = 'doctorate') AS doctorate FROM talents`); err != nil {
			t.Fatal(err)
		}
		if st.Registered != want.Registered || st.Employed != want.Employed || st.ByStatus["left"] != want.Left ||
			st.ByEducation["doctorate"] != want.Doctorate {
			t.Errorf("%s: stats %d/%d/%d/%d, registry %+v", what, st.Registered, st.Employed, st.ByStatus["left"],
				st.ByEducation["doctorate"], want)
		}
	}
	check("after seeding and a workflow")
	if _, err := db.Exec(`DELETE FROM talent_events; DELETE FROM talents WHERE status = 'draft'`); err != nil {
		t.Fatal(err)
	}
	check("after deleting drafts")
}

// TestSearch_TotalsFromCounters: the totals a listing reports from the running counts agree with
// counting the registry itself.
func TestSearch_TotalsFromCounters(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	s := talent.NewService(db, testRing(t))
	sys := auth.WithPrincipal(context.Background(), auth.System)
	ents, _, err := s.SeedDemoEnterprises(sys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedDemoTalents(sys, ents, civil.DistrictToday()); err != nil {
		t.Fatal(err)
	}
	hr := auth.WithPrincipal(context.Background(), auth.Principal{AccountID: 1, Role: auth.RoleEnterpriseHR, EnterpriseID: ents[0].ID})
	cases := []struct {
		ctx   context.Context
		f     talent.TalentFilter
		where string
		args  []any
	}{
		{sys, talent.TalentFilter{}, `true`, nil},
		{sys, talent.TalentFilter{Status: "registered"}, `status = 'registered'`, nil},
		{sys, talent.TalentFilter{Grade: "B"}, `grade = 'B'`, nil},
		{sys, talent.TalentFilter{Status: "registered", Employed: "false"}, `status = 'registered' AND enterprise_id IS NULL`, nil},
		{sys, talent.TalentFilter{EnterpriseID: ents[1].ID, Status: "draft"}, `enterprise_id = $1 AND status = 'draft'`, []any{ents[1].ID}},
		{hr, talent.TalentFilter{}, `enterprise_id = $1`, []any{ents[0].ID}},
		{hr, talent.TalentFilter{EnterpriseID: ents[1].ID}, `false`, nil},
		{sys, talent.TalentFilter{Education: "doctorate", Status: "registered"}, `education = 'doctorate' AND status = 'registered'`, nil},
	}
	for _, c := range cases {
		res, err := s.SearchTalents(c.ctx, c.f, "", 1, true)
		if err != nil {
			t.Fatal(err)
		}
		var want int
		if err := db.Get(&want, `SELECT count(*) FROM talents WHERE `+c.where, c.args...); err != nil {
			t.Fatal(err)
		}
		if res.Total != want || want == 0 && c.where != "false" {
			t.Errorf("%+v: total %d, registry %d", c.f, res.Total, want)
		}
	}
}
