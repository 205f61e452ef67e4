from core.urls import is_http_url, normalize_url


def test_tracking_parameters_and_fragment_are_dropped():
    url = "HTTPS://News.Example.com:443/a/1.html?id=7&utm_source=rss&utm_medium=feed&spm=a.b#comments"
    assert normalize_url(url) == "https://news.example.com/a/1.html?id=7"


def test_meaningful_parameters_and_ports_are_kept():
    assert normalize_url("http://127.0.0.1:8080/article?id=3&page=2") == "http://127.0.0.1:8080/article?id=3&page=2"


def test_empty_path_becomes_root():
    assert normalize_url("https://example.com") == "https://example.com/"


def test_is_http_url():
    assert is_http_url("https://example.com/x")
    assert not is_http_url("/relative/path")
    assert not is_http_url("mailto:someone@example.com")
    assert not is_http_url(None)
