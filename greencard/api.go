package greencard

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/etag"
	"talentd/internal/qrpng"
)

// CardView is a card as the API shows it.
type CardView struct {
	Serial    string     `json:"serial" example:"BS-2021-000123"`
	Version   int        `json:"version"`
	Class     string     `json:"class" enum:"A,B,C,D"`
	Status    string     `json:"status" enum:"active,suspended,revoked,expired"`
	IssuedAt  time.Time  `json:"issued_at"`
	ExpiresAt civil.Date `json:"expires_at"`
	Token     string     `json:"token" doc:"What the QR code holds"`
	TalentID  int64      `json:"talent_id"`
}

func (s *Service) view(c Card) CardView {
	return CardView{Serial: c.Serial, Version: c.CurrentVersion, Class: c.Grade, Status: c.EffectiveStatus(s.today()),
		IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresOn, Token: c.Token, TalentID: c.TalentID}
}

type talentIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type cardOutput struct {
	Body CardView
}

type reissueInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"200" example:"遗失补办"`
	}
}

type serialInput struct {
	Serial string `path:"serial" maxLength:"24" pattern:"^[A-Z0-9-]{1,24}$"`
}

type statusInput struct {
	Serial string `path:"serial" maxLength:"24" pattern:"^[A-Z0-9-]{1,24}$"`
	Body   struct {
		Reason string `json:"reason" minLength:"1" maxLength:"200"`
	}
}

type pngOutput struct {
	ContentType  string `header:"Content-Type"`
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

type pngInput struct {
	Serial      string `path:"serial" maxLength:"24" pattern:"^[A-Z0-9-]{1,24}$"`
	IfNoneMatch string `header:"If-None-Match" maxLength:"100"`
}

type verifyInput struct {
	Body struct {
		Token  string `json:"token" maxLength:"4096" doc:"The scanned QR text"`
		Window string `json:"window,omitempty" maxLength:"100" doc:"Which window, for the log" example:"区政务服务中心3号窗口"`
	}
}

type verifyOutput struct {
	Body Verification
}

type useInput struct {
	Body struct {
		Token   string `json:"token" maxLength:"4096"`
		Service string `json:"service" maxLength:"40" example:"health_check"`
		Window  string `json:"window,omitempty" maxLength:"100"`
		Note    string `json:"note,omitempty" maxLength:"500"`
	}
}

type useOutput struct {
	Body Use
}

type usesOutput struct {
	Body struct {
		Items []Use `json:"items"`
	}
}

type keysOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		Keys []JWK `json:"keys"`
	}
}

type signingKeysOutput struct {
	Body struct {
		Items []SigningKey `json:"items"`
	}
}

type signingKeyOutput struct {
	Body SigningKey
}

type revocationsInput struct {
	Cursor string    `query:"cursor" maxLength:"200" doc:"next_cursor of the previous call; continues exactly after the last change it listed"`
	Since  time.Time `query:"since" doc:"For a first call without a cursor: changes after this time (RFC 3339); omit for all"`
	Limit  int       `query:"limit" minimum:"1" maximum:"10000" default:"1000"`
}

type revocationsOutput struct {
	Body struct {
		Items      []Revocation `json:"items" nullable:"false"`
		NextCursor string       `json:"next_cursor" doc:"Pass as cursor on the next call (also when items is empty: it keeps the client's place)"`
		More       bool         `json:"more" doc:"The page is full: call again now for the rest"`
	}
}

type catalogueOutput struct {
	Body struct {
		Items []ServiceItem `json:"items"`
	}
}

type serviceInput struct {
	Code    string `path:"code" maxLength:"40"`
	IfMatch string `header:"If-Match" maxLength:"32"`
	Body    struct {
		NameZH       string   `json:"name_zh" minLength:"1" maxLength:"50"`
		NameEN       string   `json:"name_en,omitempty" maxLength:"100"`
		Content      string   `json:"content,omitempty" maxLength:"2000"`
		Eligible     []string `json:"eligible" maxItems:"4" doc:"Classes A–D"`
		Steps        []string `json:"steps,omitempty" maxItems:"20"`
		StandardDays int      `json:"standard_days" minimum:"1" maximum:"365"`
		YearlyQuota  *int     `json:"yearly_quota,omitempty" minimum:"1" maximum:"1000"`
		SortOrder    int      `json:"sort_order,omitempty" minimum:"0" maximum:"1000" doc:"Position in the catalogue"`
	}
}

type serviceOutput struct {
	ETag string `header:"ETag"`
	Body ServiceItem
}

// periodInput is a reporting period of whole days in district time.
type periodInput struct {
	From civil.Date `query:"from" doc:"First day (default: 1 January of this year)"`
	To   civil.Date `query:"to" doc:"Last day (default: today)"`
}

// resolve fills the defaults and returns the days and the instants [start, end) they span.
func (p periodInput) resolve(today civil.Date) (from, to civil.Date, start, end time.Time, err error) {
	from, to = p.From, p.To
	if from.IsZero() {
		from = civil.New(today.Time().Year(), 1, 1)
	}
	if to.IsZero() {
		to = today
	}
	if to.Before(from) {
		return from, to, start, end, errs.UntranslatedFields("invalid period", errs.FieldError{Location: "query.to", Message: "must not be before from"})
	}
	// Midnight in the district (UTC+8) of the first day, to midnight after the last.
	return from, to, from.Time().Add(-8 * time.Hour), to.Time().Add(16 * time.Hour), nil
}

type useCountsOutput struct {
	Body struct {
		From  civil.Date `json:"from"`
		To    civil.Date `json:"to"`
		Items []UseCount `json:"items"`
	}
}

// Register adds the green card operations to api.
func Register(api huma.API, s *Service) {
	registerCards(api, s)
	registerServices(api, s)
	registerRequests(api, s)
}

var (
	readers = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR, auth.RoleServiceWindow, auth.RoleCommissioner}
	office  = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice}
	windows = []auth.Role{auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleServiceWindow, auth.RoleCommissioner}
)

func registerCards(api huma.API, s *Service) {
	tags := []string{"Green cards"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-talent-card", Method: http.MethodGet, Path: "/v1/talents/{id}/card", Tags: tags,
		Summary: "A talent's green card", Errors: []int{http.StatusNotFound},
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR), func(ctx context.Context, in *talentIDInput) (*cardOutput, error) {
		c, err := s.CardOfTalent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &cardOutput{Body: s.view(c)}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "reissue-talent-card", Method: http.MethodPost, Path: "/v1/talents/{id}/card/reissue", Tags: tags,
		Summary:     "Issue or reissue a card",
		Description: "A new version of the talent's card (lost card, renewal); every older QR then answers `superseded`. Issues a first card to a registered talent without one.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, office...), func(ctx context.Context, in *reissueInput) (*cardOutput, error) {
		c, err := s.Reissue(ctx, in.ID, in.Body.Reason)
		if err != nil {
			return nil, err
		}
		return &cardOutput{Body: s.view(c)}, nil
	})

	for _, st := range []struct{ op, path, to, summary string }{
		{"suspend-card", "suspend", CardSuspended, "Suspend a card"},
		{"resume-card", "resume", CardActive, "Resume a suspended card"},
		{"revoke-card", "revoke", CardRevoked, "Revoke a card"},
	} {
		to := st.to
		huma.Register(api, auth.Allow(huma.Operation{
			OperationID: st.op, Method: http.MethodPost, Path: "/v1/greencard/cards/{serial}/" + st.path, Tags: tags,
			Summary: st.summary, Description: "Needs a reason; audited.",
			Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		}, office...), func(ctx context.Context, in *statusInput) (*cardOutput, error) {
			c, err := s.SetStatus(ctx, in.Serial, to, in.Body.Reason)
			if err != nil {
				return nil, err
			}
			return &cardOutput{Body: s.view(c)}, nil
		})
	}

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-card-qr", Method: http.MethodGet, Path: "/v1/greencard/cards/{serial}/qr.png", Tags: tags,
		Summary: "The card's QR code (PNG)", Description: "Encoded once per card version and cached; served with an ETag.",
		Errors: []int{http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "PNG", Content: map[string]*huma.MediaType{
			"image/png": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}}},
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR), func(ctx context.Context, in *pngInput) (*pngOutput, error) {
		c, err := s.visibleCard(ctx, in.Serial)
		if err != nil {
			return nil, err
		}
		tag := `"` + c.Serial + "." + strconv.Itoa(c.CurrentVersion) + `"`
		if in.IfNoneMatch == tag {
			return nil, huma.Status304NotModified()
		}
		png, err := s.QRPNG(c)
		if err != nil {
			return nil, err
		}
		return &pngOutput{ContentType: "image/png", ETag: tag, CacheControl: "private, max-age=300", Body: png}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "print-card", Method: http.MethodGet, Path: "/v1/greencard/cards/{serial}/print", Tags: tags,
		Summary: "Printable card page (HTML)", Errors: []int{http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "HTML", Content: map[string]*huma.MediaType{
			"text/html": {Schema: &huma.Schema{Type: huma.TypeString}}}}},
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR), func(ctx context.Context, in *serialInput) (*pngOutput, error) {
		page, err := s.PrintPage(ctx, in.Serial)
		if err != nil {
			return nil, err
		}
		return &pngOutput{ContentType: "text/html; charset=utf-8", CacheControl: "private, no-cache", Body: page}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "verify-card", Method: http.MethodPost, Path: "/v1/greencard/verify", Tags: tags,
		Summary: "Verify a scanned card",
		Description: "Always 200 with a verdict: `valid` and a reason (`valid`, `malformed`, `bad_signature`, `unknown_key`, `not_found`, " +
			"`superseded`, `suspended`, `revoked`, `expired`). For a valid card: the class, masked holder name, enterprise, expiry and " +
			"the services the holder may use now with this year's remaining quota. Logged without the token.",
	}, windows...), func(ctx context.Context, in *verifyInput) (*verifyOutput, error) {
		v, err := s.Verify(ctx, in.Body.Token, in.Body.Window)
		if err != nil {
			return nil, err
		}
		return &verifyOutput{Body: v}, nil
	})

	huma.Register(api, auth.Public(huma.Operation{
		OperationID: "get-card-keys", Method: http.MethodGet, Path: "/v1/greencard/keys", Tags: tags,
		Summary: "Public signing keys (JWK set)", Description: "For offline window clients; retired keys still verify the cards they signed.",
	}), func(ctx context.Context, _ *struct{}) (*keysOutput, error) {
		keys, err := s.JWKS(ctx)
		if err != nil {
			return nil, err
		}
		out := &keysOutput{CacheControl: "public, max-age=300"}
		out.Body.Keys = keys
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-card-revocations", Method: http.MethodGet, Path: "/v1/greencard/revocations", Tags: tags,
		Summary: "Revocation list for offline clients",
		Description: "Suspended, revoked and superseded serial-versions (and lifted suspensions), oldest change first. " +
			"Start with `since` (or nothing, for all), then always pass back `next_cursor` as `cursor`: paging on a time alone " +
			"skips changes that share an instant. A change is listed once every transaction that began before it has ended, " +
			"so a cursor never passes a change still being committed. A cursor not made by this API answers 400.",
		Errors: []int{http.StatusBadRequest},
	}, windows...), func(ctx context.Context, in *revocationsInput) (*revocationsOutput, error) {
		page, err := s.Revocations(ctx, RevocationQuery{Cursor: in.Cursor, Since: in.Since, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := &revocationsOutput{}
		out.Body.Items, out.Body.NextCursor, out.Body.More = page.Items, page.NextCursor, page.More
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-signing-keys", Method: http.MethodGet, Path: "/v1/greencard/signing-keys", Tags: tags,
		Summary: "List card signing keys",
	}, auth.RoleAdmin), func(ctx context.Context, _ *struct{}) (*signingKeysOutput, error) {
		keys, err := s.Keys(ctx)
		if err != nil {
			return nil, err
		}
		out := &signingKeysOutput{}
		out.Body.Items = keys
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "rotate-signing-key", Method: http.MethodPost, Path: "/v1/greencard/signing-keys/rotate", Tags: tags,
		Summary: "Rotate the card signing key", Description: "New cards are signed with a new key; the old one keeps verifying its cards.",
		DefaultStatus: http.StatusCreated,
	}, auth.RoleAdmin), func(ctx context.Context, _ *struct{}) (*signingKeyOutput, error) {
		k, err := s.RotateKey(ctx)
		if err != nil {
			return nil, err
		}
		return &signingKeyOutput{Body: k}, nil
	})
}

// QRPNG returns the PNG of the card's current QR, encoded once per version.
func (s *Service) QRPNG(c Card) ([]byte, error) {
	key := c.Serial + "." + strconv.Itoa(c.CurrentVersion)
	if png, ok := s.qr.get(key); ok {
		return png, nil
	}
	png, err := qrpng.Encode(c.Token, 8)
	if err != nil {
		return nil, err
	}
	s.qr.put(key, png)
	return png, nil
}

var printTemplate = template.Must(template.New("card").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>人才绿卡 {{.Serial}}</title>
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}
.card{width:85.6mm;height:54mm;border:1px solid #2e7d32;border-radius:3mm;padding:4mm;box-sizing:border-box;display:flex;gap:4mm;background:#f1f8e9}
.card img{width:34mm;height:34mm;image-rendering:pixelated}
h1{font-size:14pt;margin:0 0 2mm;color:#1b5e20}.cls{font-size:22pt;font-weight:bold;color:#1b5e20}
p{margin:0 0 1mm;font-size:9pt}
@media print{body{margin:0}}
</style></head><body>
<div class="card"><div><h1>璧山区人才绿卡</h1><p class="cls">{{.Class}} 类</p>
<p>姓名：{{.Name}}</p><p>编号：{{.Serial}}（第{{.Version}}版）</p><p>有效期至：{{.Expires}}</p></div>
<div><img alt="QR" src="data:image/png;base64,{{.QR}}"></div></div>
</body></html>`))

// PrintPage renders the printable card: name, class, serial, validity and the QR (inline, so the
// page prints alone).
func (s *Service) PrintPage(ctx context.Context, serial string) ([]byte, error) {
	c, err := s.visibleCard(ctx, serial)
	if err != nil {
		return nil, err
	}
	t, err := s.talents.GetTalent(ctx, c.TalentID)
	if err != nil {
		return nil, err
	}
	png, err := s.QRPNG(c)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = printTemplate.Execute(&buf, map[string]any{"Serial": c.Serial, "Version": c.CurrentVersion, "Class": c.Grade,
		"Name": t.Name, "Expires": c.ExpiresOn.String(), "QR": base64PNG(png)})
	return buf.Bytes(), err
}

func registerServices(api huma.API, s *Service) {
	tags := []string{"Service catalogue"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-services", Method: http.MethodGet, Path: "/v1/greencard/services", Tags: tags,
		Summary: "The service catalogue (9 items)",
	}, append(readers, auth.RoleHousingOffice, auth.RoleFinance)...), func(ctx context.Context, _ *struct{}) (*catalogueOutput, error) {
		items, err := s.Catalogue(ctx)
		if err != nil {
			return nil, err
		}
		out := &catalogueOutput{}
		out.Body.Items = items
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-service", Method: http.MethodPut, Path: "/v1/greencard/services/{code}", Tags: tags,
		Summary: "Edit a catalogue item", Errors: []int{http.StatusNotFound, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, office...), func(ctx context.Context, in *serviceInput) (*serviceOutput, error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		b := in.Body
		it, err := s.UpdateService(ctx, in.Code, version, ServiceItemInput{NameZH: b.NameZH, NameEN: b.NameEN, Content: b.Content,
			Eligible: b.Eligible, Steps: b.Steps, StandardDays: b.StandardDays, YearlyQuota: b.YearlyQuota, SortOrder: b.SortOrder})
		if err != nil {
			return nil, err
		}
		return &serviceOutput{ETag: etag.Of(it.Version), Body: it}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "record-service-use", Method: http.MethodPost, Path: "/v1/greencard/uses", Tags: tags,
		Summary:       "Record a service use",
		Description:   "Atomically, only if the card verifies, its class is eligible and the yearly quota has a unit left (409 otherwise, saying which).",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, windows...), func(ctx context.Context, in *useInput) (*useOutput, error) {
		u, err := s.RecordUse(ctx, in.Body.Token, in.Body.Service, in.Body.Window, in.Body.Note)
		if err != nil {
			return nil, err
		}
		return &useOutput{Body: u}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-talent-service-uses", Method: http.MethodGet, Path: "/v1/talents/{id}/service-uses", Tags: tags,
		Summary: "A talent's service uses", Errors: []int{http.StatusNotFound},
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR), func(ctx context.Context, in *talentIDInput) (*usesOutput, error) {
		uses, err := s.UsesOfTalent(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out := &usesOutput{}
		out.Body.Items = uses
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-service-stats", Method: http.MethodGet, Path: "/v1/stats/services", Tags: tags,
		Summary: "Service uses per service in a period", Description: "HR counts its own talent only.",
	}, auth.RoleAdmin, auth.RoleTalentOffice, auth.RoleEnterpriseHR), func(ctx context.Context, in *periodInput) (*useCountsOutput, error) {
		from, to, start, end, err := in.resolve(s.today())
		if err != nil {
			return nil, err
		}
		counts, err := s.UseCounts(ctx, start, end)
		if err != nil {
			return nil, err
		}
		out := &useCountsOutput{}
		out.Body.From, out.Body.To, out.Body.Items = from, to, counts
		return out, nil
	})
}
