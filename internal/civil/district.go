package civil

import "time"

// District is the zone in which the district's days begin and end: China Standard Time, UTC+8 all
// year (China keeps no daylight saving), fixed so that "today" needs no time-zone database.
var District = time.FixedZone("CST", 8*60*60)

// DistrictZoneSQL names the same zone to PostgreSQL; queries build their day boundaries from it
// (see SQLToday and SQLDateOf) rather than spelling the zone themselves.
const DistrictZoneSQL = "Asia/Shanghai"

// SQLToday is a SQL expression for today's date in the district.
const SQLToday = "(now() AT TIME ZONE '" + DistrictZoneSQL + "')::date"

// SQLDateOf returns a SQL expression for the district date of the timestamptz expression expr.
func SQLDateOf(expr string) string {
	return "(" + expr + " AT TIME ZONE '" + DistrictZoneSQL + "')::date"
}

// SQLLocal returns a SQL expression for the district wall-clock time of the timestamptz expr, for
// to_char and date_trunc.
func SQLLocal(expr string) string { return "(" + expr + " AT TIME ZONE '" + DistrictZoneSQL + "')" }

// DistrictToday is the current date in the district.
func DistrictToday() Date { return Today(District) }

// InDistrict returns the district date of instant t.
func InDistrict(t time.Time) Date { return Of(t.In(District)) }
