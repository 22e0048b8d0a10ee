package greencard

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
	"talentd/internal/civil"
)

// CardView is a card as the API shows it.
type CardView struct {
	Serial    string     `json:"serial" example:"BS-2021-000123"`
	Version   int        `json:"version"`
	Class     CardClass  `json:"class"`
	Status    CardStatus `json:"status" doc:"A talent who left keeps its card on record, revoked"`
	IssuedAt  time.Time  `json:"issued_at"`
	ExpiresAt civil.Date `json:"expires_at"`
	Token     string     `json:"token" doc:"What the QR code holds"`
	TalentID  int64      `json:"talent_id"`
	Print     PrintState `json:"print" doc:"The printing of the current version: requested at issue, printed, handed over"`
}

func (s *Service) view(c Card) CardView {
	return CardView{Serial: c.Serial, Version: c.CurrentVersion, Class: CardClass(c.Grade), Status: CardStatus(c.EffectiveStatus(s.today())),
		IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresOn, Token: c.Token, TalentID: c.TalentID,
		Print: c.PrintState}
}

// cardAnswer is the API's answer of a card, or the error.
func (s *Service) cardAnswer(c Card, err error) (*answer.Body[CardView], error) {
	if err != nil {
		return nil, err
	}
	return answer.Of(s.view(c), nil)
}

type statusInput struct {
	Serial string `path:"serial" maxLength:"24" pattern:"^[A-Z0-9-]{1,24}$"`
	Body   greencardReasonBody
}

// pageOutput is the printable card page with its content security policy.
type pageOutput struct {
	ContentType  string `header:"Content-Type"`
	CacheControl string `header:"Cache-Control"`
	CSP          string `header:"Content-Security-Policy"`
	Body         []byte
}

func registerCards(api huma.API, s *Service) {
	tags := []string{"Green cards"}
	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-talent-card", Method: http.MethodGet, Path: "/v1/talents/{id}/card", Tags: tags,
		Summary:     "A talent's green card",
		Description: "The talent's newest card, whatever its status: after the talent left it is there, revoked.",
		Errors:      []int{http.StatusNotFound},
	}, cardOwnerRoles...), func(ctx context.Context, in *talentIDInput) (*answer.Body[CardView], error) {
		return s.cardAnswer(s.CardOfTalent(ctx, in.ID))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-card", Method: http.MethodGet, Path: "/v1/greencard/cards/{serial}", Tags: tags,
		Summary: "A green card by its serial", Description: "Whatever its status.",
		Errors: []int{http.StatusNotFound},
	}, cardOwnerRoles...), func(ctx context.Context, in *serialInput) (*answer.Body[CardView], error) {
		return s.cardAnswer(s.CardBySerial(ctx, in.Serial))
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "reissue-talent-card", Method: http.MethodPost, Path: "/v1/talents/{id}/card/reissue", Tags: tags,
		Summary:     "Issue or reissue a card",
		Description: "A new version of the talent's card (lost card, renewal); every older QR then answers `superseded`. Issues a first card to a registered talent without one.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, officeRoles...), func(ctx context.Context, in *idReasonInput) (*answer.Body[CardView], error) {
		return s.cardAnswer(s.Reissue(ctx, in.ID, in.Body.Reason))
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
		}, officeRoles...), func(ctx context.Context, in *statusInput) (*answer.Body[CardView], error) {
			return s.cardAnswer(s.SetStatus(ctx, in.Serial, to, in.Body.Reason))
		})
	}

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-card-qr", Method: http.MethodGet, Path: "/v1/greencard/cards/{serial}/qr.png", Tags: tags,
		Summary: "The card's QR code (PNG)", Description: "Encoded once per card version and cached; served with an ETag.",
		Errors:    []int{http.StatusNotFound},
		Responses: binaryResponse("PNG", "image/png", &huma.Schema{Type: huma.TypeString, Format: "binary"}),
	}, cardOwnerRoles...), func(ctx context.Context, in *conditionalSerialInput) (*binaryOutput, error) {
		c, err := s.CardBySerial(ctx, in.Serial)
		if err != nil {
			return nil, err
		}
		tag := QRETag(c)
		if in.IfNoneMatch == tag {
			return nil, huma.Status304NotModified()
		}
		png, err := s.QRPNG(c)
		if err != nil {
			return nil, err
		}
		return &binaryOutput{ContentType: "image/png", ETag: tag, CacheControl: "private, max-age=300", Body: png}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-card-photo", Method: http.MethodGet, Path: "/v1/greencard/cards/{serial}/photo", Tags: tags,
		Summary: "The card holder's photo, for the face-to-face check",
		Description: "The office sees every holder's photo, HR its own enterprise's; a service window or a commissioner only " +
			"the holder of a card that the same account verified today (the verdict's `holder.photo_url` points here). " +
			"Otherwise, or without a photo, 404. Served with an ETag; send it back as If-None-Match for a 304.",
		Errors: []int{http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "The photo as stored (JPEG or PNG)", Content: map[string]*huma.MediaType{
			"image/jpeg": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}},
			"image/png":  {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}}}},
	}, photoRoles...), func(ctx context.Context, in *conditionalSerialInput) (*binaryOutput, error) {
		photo, err := s.CardPhoto(ctx, in.Serial)
		if err != nil {
			return nil, err
		}
		tag := PhotoETag(photo)
		if in.IfNoneMatch == tag {
			return nil, huma.Status304NotModified()
		}
		return &binaryOutput{ContentType: photo.ContentType, ETag: tag, CacheControl: "private", Body: photo.Image}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "print-card", Method: http.MethodGet, Path: "/v1/greencard/cards/{serial}/print", Tags: tags,
		Summary:     "Printable card page (HTML)",
		Description: "With the holder's photo when there is one. Everything is inline (data: images) under a strict Content-Security-Policy.",
		Errors:      []int{http.StatusNotFound},
		Responses:   binaryResponse("HTML", "text/html", &huma.Schema{Type: huma.TypeString}),
	}, cardOwnerRoles...), func(ctx context.Context, in *serialInput) (*pageOutput, error) {
		page, err := s.PrintPage(ctx, in.Serial)
		if err != nil {
			return nil, err
		}
		return &pageOutput{ContentType: "text/html; charset=utf-8", CacheControl: "private, no-cache", CSP: PrintCSP, Body: page}, nil
	})
}
