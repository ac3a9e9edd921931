package dubbo

import "strings"

// Response attachments bounds, as Java's Version: "2.0.2" -> 2000200 and the
// highest 2.0.x protocol version 2.0.99 -> 2009900.
const (
	lowestVersionForResponseAttachment = 2000200
	highestProtocolVersion             = 2009900
)

// SupportsResponseAttachments reports whether a peer that declared
// dubboVersion in its request body reads result flags 3, 4 and 5, by the
// rule of Java's Version.isSupportResponseAttachment (2.7 and 3.x).
func SupportsResponseAttachments(dubboVersion string) bool {
	v, ok := intVersion(dubboVersion)
	return ok && v >= lowestVersionForResponseAttachment && v <= highestProtocolVersion
}

// intVersion mirrors Java's Version.getIntVersion: each dot-separated part
// contributes its leading digits times 100^(parts-1-i); three-part versions
// are scaled by 100. ok is false when Java would fail to parse it.
func intVersion(version string) (int64, bool) {
	if version == "" {
		return 0, false
	}
	nparts := strings.Count(version, ".") + 1
	var v int64
	for i := 0; i < nparts; i++ {
		p := version
		if j := strings.IndexByte(version, '.'); j >= 0 {
			p, version = version[:j], version[j+1:]
		}
		digits := 0
		for digits < len(p) && p[digits] >= '0' && p[digits] <= '9' {
			digits++
		}
		if digits == 0 {
			continue
		}
		if digits > 9 {
			return 0, false // Integer.parseInt would overflow
		}
		var n int64
		for _, c := range p[:digits] {
			n = n*10 + int64(c-'0')
		}
		if n > 1<<31-1 {
			return 0, false
		}
		scale := int64(1)
		for k := 0; k < nparts-i-1; k++ {
			scale *= 100
			if scale > 1<<40 {
				return 0, false
			}
		}
		v += n * scale
		if v > 1<<31-1 {
			return 0, false
		}
	}
	if nparts == 3 {
		v *= 100
	}
	return v, true
}
