from index.cleaning import clean_text, is_nav_line


def test_repeated_lines_are_dropped_entirely():
    ticker = "  • ABC/USD = 0.011 0%\n  • XYZ/USD = 0.002 -0%\n"
    text = ticker * 8 + "Real news starts here. It has sentences.\n"
    cleaned = clean_text(text)
    assert "ABC/USD" not in cleaned.text
    assert cleaned.text == "Real news starts here. It has sentences."


def test_a_dropped_line_between_two_lines_of_text_leaves_a_paragraph_break():
    """Joined directly, "The ferry left at noon" and "under grey skies." would read as one sentence whose cited
    source span holds the dropped banner."""
    banner = "Share on Mastodon"
    text = f"{banner}\nThe ferry left at noon\n{banner}\nunder grey skies.\n{banner}\n"
    assert clean_text(text).text == "The ferry left at noon\n\nunder grey skies."


def test_repeated_table_delimiters_are_structure_not_chrome():
    table = "| Kiln | Firings |\n|---|---|\n| {} | {} |\n\n"
    text = "".join(table.format(name, n) for name, n in [("East", 12), ("West", 9), ("North", 4)])
    assert clean_text(text).text.count("|---|---|") == 3


def test_navigation_run_is_dropped_but_prose_and_tables_are_kept():
    menu = "\n".join(["Home", "Markets", "Copper", "Zinc", "Silver", "Sign In", "Contact"])
    table = "| Country | Tons |\n| Peru | 3,300 |"
    text = f"Intro sentence here.\n{menu}\nA headline about silver output\n{table}\nClosing sentence."
    cleaned = clean_text(text).text
    assert "Markets" not in cleaned and "Sign In" not in cleaned
    assert "A headline about silver output" in cleaned
    assert "| Peru | 3,300 |" in cleaned
    assert cleaned.startswith("Intro sentence here.")


def test_short_list_items_and_dates_are_not_navigation():
    assert not is_nav_line("- Henan")
    assert not is_nav_line("14 November 2025")
    assert is_nav_line("Base Metals")


def test_offsets_map_back_to_the_source_verbatim():
    text = "keep one.\nX\n" * 4 + "\n\n\nkeep two here.\nend line."
    cleaned = clean_text(text)
    for i, ch in enumerate(cleaned.text):
        if ch != "\n":
            assert text[cleaned.to_source(i)] == ch


def test_a_slice_keeps_exactly_the_breakpoints_inside_it():
    """`MappedText.slice` finds its breakpoints by bisection (linear ingest); they are the ones a scan finds."""
    import random

    from index.cleaning import clean_text

    rng = random.Random(3)
    lines = [rng.choice(["", "", f"The cider press ran for {i} days.", f"A loaf cost {i} pounds."]) for i in range(400)]
    cleaned = clean_text("\n".join(lines))  # blank runs dropped: breakpoints between lines
    assert len(cleaned.breaks) > 100
    for _ in range(300):
        start = rng.randrange(len(cleaned.text))
        end = rng.randrange(start, len(cleaned.text) + 1)
        part = cleaned.slice(start, end)
        expected = [(0, cleaned.to_source(start))] + [(t - start, s) for t, s in cleaned.breaks if start < t < end]
        assert part.text == cleaned.text[start:end] and list(part.breaks) == expected
        assert all(part.to_source(i) == cleaned.to_source(start + i) for i in range(0, end - start, 7))
