//! Shipping documents: the label PDF served for a package, and the minimal PDF writer behind it.

use actix_web::{HttpRequest, HttpResponse, web};

use super::bad;
use crate::state::SandboxState;
use crate::world::parse_id;

/// `GET /_sandbox/documents/{package_id}.pdf`: a small, valid PDF label.
pub(super) async fn document(req: HttpRequest, state: web::Data<SandboxState>) -> HttpResponse {
    let file = req.match_info().get("file").unwrap_or("");
    let Some(id) = file.strip_suffix(".pdf").and_then(parse_id) else {
        return bad(404, "No such document.");
    };
    let q = crate::protocol::parse_query(req.query_string());
    let doc_type = q
        .iter()
        .find(|(k, _)| k == "document_type")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "SHIPPING_LABEL".into());
    let info = state.with_world(|w| {
        w.packages.get(&id).map(|p| {
            let provider = p
                .shipping_provider_id
                .and_then(|x| w.shipping_providers.get(&x))
                .map(|x| x.name.clone())
                .unwrap_or_default();
            (
                p.tracking_number.clone().unwrap_or_default(),
                provider,
                p.order_ids.clone(),
            )
        })
    });
    let Some((tracking, provider, orders)) = info else {
        return bad(404, "No such package.");
    };
    let lines = vec![
        format!("TikTok Shop Sandbox - {doc_type}"),
        format!("Package {id}"),
        format!(
            "Orders {}",
            orders
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("Carrier {provider}"),
        format!("Tracking {tracking}"),
    ];
    HttpResponse::Ok()
        .content_type("application/pdf")
        .body(pdf(&lines))
}

/// A minimal one-page PDF with the given lines of text (Helvetica), with a correct xref table.
pub fn pdf(lines: &[String]) -> Vec<u8> {
    let esc = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .collect::<String>()
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
    };
    let mut content = String::from("BT /F1 12 Tf 20 260 Td 14 TL\n");
    for l in lines {
        content.push_str(&format!("({}) Tj T*\n", esc(l)));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 298] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{}endstream", content.len(), content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{}\nendobj\n", i + 1, o).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n",
            objects.len() + 1,
            xref
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pdf_is_well_formed() {
        let p = super::pdf(&["Hello (world)".to_string()]);
        let s = String::from_utf8(p).unwrap();
        assert!(s.starts_with("%PDF-1.4"));
        assert!(s.trim_end().ends_with("%%EOF"));
        let xref_at: usize = s.lines().rev().nth(1).unwrap().parse().unwrap();
        assert!(s[xref_at..].starts_with("xref"));
        assert!(s.contains("Hello \\(world\\)"));
    }
}
