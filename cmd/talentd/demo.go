package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"talentd/internal/accounts"
	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/postgres"
)

// DemoPassword is the password of every demo account; README lists the accounts.
const DemoPassword = "talentd-demo"

// demoStaff are the demo accounts of the roles not bound to an enterprise.
var demoStaff = []struct {
	username, name string
	role           auth.Role
}{
	{"admin", "系统管理员", auth.RoleAdmin},
	{"talent-office", "区人才办 王主任", auth.RoleTalentOffice},
	{"window", "政务服务窗口 刘敏", auth.RoleServiceWindow},
	{"commissioner", "人才服务专员 陈静", auth.RoleCommissioner},
	{"commissioner-2", "人才服务专员 周杰", auth.RoleCommissioner},
	{"commissioner-3", "人才服务专员 吴霞", auth.RoleCommissioner},
	{"housing", "区住房保障中心 赵强", auth.RoleHousingOffice},
	{"finance", "区财政局 孙丽", auth.RoleFinance},
}

// demoSeedLock is the advisory lock key under which the demo district is loaded; any value
// unused by other locks on the database does ("talentdD").
const demoSeedLock int64 = 0x74616c656e746444

// seedDemo loads the demo district as it stands today in the district (idempotent) and prints the
// demo accounts.
func seedDemo(ctx context.Context, svc *services, stdout io.Writer, log *slog.Logger) error {
	return seedDemoOn(ctx, svc, civil.DistrictToday(), stdout, log)
}

// seedDemoOn loads the demo district with its dates relative to the day today: the same day
// always gives the same district. Two processes may seed one fresh database at once (two
// `serve --demo` started together): each step is idempotent only against data already committed,
// so the whole seed runs under one advisory lock, and the process that waited finds everything
// there and adds nothing.
func seedDemoOn(ctx context.Context, svc *services, today civil.Date, stdout io.Writer, log *slog.Logger) error {
	return postgres.WithSessionLock(ctx, svc.db, demoSeedLock, func() error {
		return seedDemoLocked(ctx, svc, today, stdout, log)
	})
}

func seedDemoLocked(ctx context.Context, svc *services, today civil.Date, stdout io.Writer, log *slog.Logger) error {
	start := time.Now()
	ctx = auth.WithPrincipal(ctx, auth.System)
	enterprises, newEnterprises, err := svc.talent.SeedDemoEnterprises(ctx)
	if err != nil {
		return fmt.Errorf("seed enterprises: %w", err)
	}
	newTalents, err := svc.talent.SeedDemoTalents(ctx, enterprises, today)
	if err != nil {
		return fmt.Errorf("seed talents: %w", err)
	}
	// One slow password hash shared by every demo account keeps seeding fast.
	hash, err := accounts.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	newAccounts := 0
	ensure := func(a accounts.NewAccount) error {
		created, err := svc.accounts.EnsureAccount(ctx, a, hash)
		if created {
			newAccounts++
		}
		return err
	}
	for _, s := range demoStaff {
		if err := ensure(accounts.NewAccount{Username: s.username, DisplayName: s.name, Role: s.role}); err != nil {
			return err
		}
	}
	for i, e := range enterprises {
		id := e.ID
		if err := ensure(accounts.NewAccount{Username: fmt.Sprintf("hr-%03d", i+1),
			DisplayName: e.Name + " 人力资源部", Role: auth.RoleEnterpriseHR, EnterpriseID: &id}); err != nil {
			return err
		}
	}
	// Cards, uses and agent requests need the commissioners, so they come after the accounts.
	newCards, err := svc.greencard.SeedDemo(ctx, today)
	if err != nil {
		return fmt.Errorf("seed cards: %w", err)
	}
	housingLoaded, err := svc.housing.SeedDemo(ctx, today)
	if err != nil {
		return fmt.Errorf("seed housing: %w", err)
	}
	subsidyLoaded, err := svc.subsidy.SeedDemo(ctx, today)
	if err != nil {
		return fmt.Errorf("seed subsidies: %w", err)
	}
	log.Info("demo data ready", "as_of", today.String(), "enterprises_created", newEnterprises, "talents_created", newTalents,
		"cards_issued", newCards, "housing_loaded", housingLoaded, "subsidy_loaded", subsidyLoaded,
		"accounts_created", newAccounts,
		"duration", time.Since(start).Round(time.Millisecond))
	if newAccounts == 0 {
		return nil
	}
	fmt.Fprintf(stdout, "Demo accounts (password %q for every one):\n", DemoPassword)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, s := range demoStaff {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.username, s.role, s.name)
	}
	if len(enterprises) > 0 {
		fmt.Fprintf(tw, "  hr-001 … hr-%03d\t%s\tHR of each demo enterprise (hr-001: %s)\n", len(enterprises),
			auth.RoleEnterpriseHR, enterprises[0].Name)
	}
	return tw.Flush()
}
