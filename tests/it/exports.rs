//! Dossier and document exports against the emulator: definitions, PDF/Excel/CSV streamed to
//! writers, 202 polling, deadlines, the instance's cleanup, and a large PDF in flat memory.

use std::time::Duration;

use futures_util::TryStreamExt;
use mstr_rest::documents::{DocumentsApi, PdfOptions};
use mstr_rest::{ApiErrorKind, Credentials, Error, Session};
use mstr_rest_emulator::{DossierSpec, Emulator};

use crate::support::api_kind;

const PROJECT: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
const OVERVIEW: &str = "27D332AC6D43352E0928B9A1FCAF4AB0";
const SLOW: &str = "5A0E0000000000000000000000000001";

async fn logged_in(emulator: &Emulator) -> Session {
    let session = Session::builder(emulator.base_url()).build().unwrap();
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session
}

#[tokio::test]
async fn the_definition_names_chapters_pages_and_visualizations() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let d = session
        .dossier(OVERVIEW)
        .project(PROJECT)
        .definition()
        .await
        .unwrap();
    assert_eq!(d.name, "Executive Overview");
    let names: Vec<(&str, &str, &str)> = d
        .visualizations()
        .map(|(c, p, v)| (c.name.as_str(), p.name.as_str(), v.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Overview", "Summary", "Revenue by Region"),
            ("Overview", "Summary", "Revenue Trend"),
            ("Details", "Customers", "Customer List"),
        ]
    );
    assert!(
        d.visualization("Customer List")
            .unwrap()
            .key
            .starts_with('W')
    );
}

#[tokio::test]
async fn each_export_streams_its_file_and_deletes_its_instance() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let dossier = session.dossier(OVERVIEW).project(PROJECT);
    let key = dossier
        .definition()
        .await
        .unwrap()
        .visualization("Customer List")
        .unwrap()
        .key
        .clone();

    let mut csv = Vec::new();
    let n = dossier
        .visualization_csv(&key)
        .write_to(&mut csv)
        .await
        .unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert_eq!(n, text.len() as u64);
    assert_eq!(text.lines().count(), 11, "header and 10 rows: {text}");
    assert!(text.starts_with("\"Region\",\"Revenue\"\n"));

    let mut xlsx = Vec::new();
    dossier.excel().write_to(&mut xlsx).await.unwrap();
    assert!(xlsx.starts_with(b"PK\x03\x04"));

    let mut pdf = Vec::new();
    dossier
        .pdf(PdfOptions::new().landscape().page_size(8.27, 11.69))
        .write_to(&mut pdf)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF\n"));

    let exports = emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.contains("/instances/"))
        .count();
    assert_eq!(exports, 3, "one export request each");
    let pdf_request = emulator
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/pdf"))
        .unwrap();
    assert_eq!(
        pdf_request.header("accept"),
        Some("application/octet-stream"),
        "the file is asked for raw, not as base64 JSON"
    );
    let body: serde_json::Value = serde_json::from_slice(&pdf_request.body).unwrap();
    assert_eq!(body["orientation"], "LANDSCAPE");
    assert_eq!(
        emulator.open_document_instances(),
        0,
        "every instance deleted"
    );
}

#[tokio::test]
async fn a_running_instance_and_a_running_export_are_polled_to_the_file() {
    let emulator = Emulator::builder()
        .dossier(
            DossierSpec::new(SLOW, "Slow dossier")
                .instance_polls(2)
                .export_polls(3),
        )
        .start()
        .await;
    let session = logged_in(&emulator).await;
    let mut pdf = Vec::new();
    session
        .document(SLOW)
        .project(PROJECT)
        .poll(Duration::from_millis(1), Duration::from_millis(2))
        .pdf(PdfOptions::new())
        .write_to(&mut pdf)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let statuses = emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/status"))
        .count();
    let exports = emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/pdf"))
        .count();
    assert_eq!(
        (statuses, exports),
        (2, 4),
        "2 status polls, 3 answers 202 then the file"
    );
    assert_eq!(emulator.open_document_instances(), 0);
}

#[tokio::test]
async fn an_export_past_its_timeout_is_a_deadline_error_and_cleans_up() {
    let emulator = Emulator::builder()
        .dossier(DossierSpec::new(SLOW, "Never ready").export_polls(u32::MAX))
        .start()
        .await;
    let session = logged_in(&emulator).await;
    let e = session
        .dossier(SLOW)
        .project(PROJECT)
        .poll(Duration::from_millis(1), Duration::from_millis(1))
        .timeout(Duration::from_millis(20))
        .excel()
        .write_to(&mut Vec::new())
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(e.to_string().contains("Document::timeout"), "{e}");
    assert_eq!(emulator.open_document_instances(), 0);
}

#[tokio::test]
async fn unknown_dossiers_and_visualizations_are_api_errors() {
    let emulator = Emulator::start().await;
    let session = logged_in(&emulator).await;
    let e = session
        .dossier("00000000000000000000000000000000")
        .project(PROJECT)
        .pdf(PdfOptions::new())
        .write_to(&mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::ResourceNotFound), "{e:?}");
    let e = session
        .dossier(OVERVIEW)
        .project(PROJECT)
        .visualization_csv("W-nope")
        .write_to(&mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(api_kind(&e), Some(ApiErrorKind::ResourceNotFound), "{e:?}");
    assert_eq!(emulator.open_document_instances(), 0);
    let e = session
        .dossier(OVERVIEW)
        .pdf(PdfOptions::new().page_size(f64::NAN, 11.0))
        .write_to(&mut Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    assert_eq!(
        emulator.count("POST", &format!("dossiers/{OVERVIEW}/instances")),
        1,
        "only the CSV export made an instance: bad options send nothing"
    );
}

#[tokio::test]
async fn a_server_that_ignores_accept_gets_its_base64_json_decoded() {
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/instances$"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(serde_json::json!({"mid": "M1", "status": 1})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("/pdf$"))
        .respond_with(
            // "%PDF-1.4 tiny", base64-encoded, the documented JSON form.
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"data": "JVBERi0xLjQgdGlueQ=="})),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let session = Session::builder(format!("{}/api/", server.uri()))
        .build()
        .unwrap();
    let chunks: Vec<_> = session
        .dossier("D1")
        .pdf(PdfOptions::new())
        .bytes_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(chunks.concat(), b"%PDF-1.4 tiny");
}

/// Streams an `MSTR_REST_PDF_PAGES`-page PDF of 1 MiB pages into a sink and prints the
/// process's peak RSS — run alone in a child process by the test below.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pdf_pages_stream_whole() {
    let pages: u32 = std::env::var("MSTR_REST_PDF_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let emulator = Emulator::builder()
        .dossier(DossierSpec::new(SLOW, "Big PDF").pdf(pages, 1 << 20))
        .start()
        .await;
    let session = logged_in(&emulator).await;
    let written = session
        .dossier(SLOW)
        .project(PROJECT)
        .pdf(PdfOptions::new())
        .write_to(&mut tokio::io::sink())
        .await
        .unwrap();
    assert!(written >= u64::from(pages) << 20, "{written} bytes");
    println!("peak_kib={}", crate::support::peak_rss_kib());
}

#[test]
fn a_50_page_pdf_streams_in_flat_memory() {
    let peak = |pages: u32| {
        crate::support::child_peak_kib(
            "exports::pdf_pages_stream_whole",
            "MSTR_REST_PDF_PAGES",
            &pages.to_string(),
        )
    };
    let fifty = peak(50);
    let two_hundred = peak(200);
    println!("peak RSS: 50 MiB PDF {fifty} KiB, 200 MiB PDF {two_hundred} KiB");
    assert!(fifty > 0, "VmHWM readable");
    // Held in memory at once: a few chunks in flight, not the file. 50 MiB of PDF must not
    // cost 50 MiB, and four times the pages must cost nothing more than allocator noise.
    assert!(fifty < 48 * 1024, "a 50 MiB PDF peaked at {fifty} KiB");
    assert!(
        two_hundred <= fifty + 16 * 1024,
        "peak grew from {fifty} KiB to {two_hundred} KiB with the page count"
    );
}
