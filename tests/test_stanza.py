"""The stanza backend on real stanza Documents built offline from CoNLL-U (no model needed)."""

from __future__ import annotations

import pytest

from lens_cli.errors import MissingModelError
from lens_cli.parsers import make_parser, stanza_models_present
from lens_cli.parsers.stanza_backend import StanzaParser, document_to_parsed

stanza = pytest.importorskip("stanza")
from stanza.utils.conll import CoNLL  # noqa: E402

CONLLU = """# text = Music for a party. It's great!
1	Music	music	NOUN	NN	Number=Sing	0	root	_	_
2	for	for	ADP	IN	_	4	case	_	_
3	a	a	DET	DT	_	4	det	_	_
4	party	party	NOUN	NN	_	1	nmod	_	SpaceAfter=No
5	.	.	PUNCT	.	_	1	punct	_	_

1-2	It's	_	_	_	_	_	_	_	_
1	It	it	PRON	PRP	_	3	nsubj	_	_
2	's	be	AUX	VBZ	_	3	cop	_	_
3	great	great	ADJ	JJ	_	0	root	_	SpaceAfter=No
4	!	!	PUNCT	.	_	3	punct	_	_

"""


def test_document_conversion():
    doc = CoNLL.conll2doc(input_str=CONLLU)
    parsed = document_to_parsed(doc)
    assert [t.text for t in parsed.tokens] == ["Music", "for", "a", "party", ".", "It", "'s", "great", "!"]
    assert parsed.upos == ["NOUN", "ADP", "DET", "NOUN", "PUNCT", "PRON", "AUX", "ADJ", "PUNCT"]
    assert parsed.xpos[:2] == ["NN", "IN"]
    assert parsed.deps[:4] == ["root", "case", "det", "nmod"]
    # heads are 0-based over the whole text; roots point to themselves
    assert [t.head for t in parsed.tokens] == [0, 3, 3, 0, 0, 7, 7, 7, 7]
    assert parsed.words == ["music", "for", "a", "party", "it", "'s", "great"]
    assert [t.space_after for t in parsed.tokens] == [True, True, True, False, True, False, True, False, True]


def test_missing_models_error_says_how_to_get_them(tmp_path):
    parser = StanzaParser("en", str(tmp_path))
    with pytest.raises(MissingModelError, match=r"lens models download --lang en"):
        parser.parse(["hello"])


def test_models_present_needs_resources_and_language(tmp_path):
    assert not stanza_models_present("en", str(tmp_path))
    (tmp_path / "resources.json").write_text("{}")
    assert not stanza_models_present("en", str(tmp_path))
    (tmp_path / "en").mkdir()
    assert stanza_models_present("en", str(tmp_path))


def test_auto_prefers_stanza_when_models_are_present(tmp_path):
    assert type(make_parser("auto", "en", str(tmp_path))).__name__ == "SpacyParser"
    (tmp_path / "resources.json").write_text("{}")
    (tmp_path / "en").mkdir()
    assert isinstance(make_parser("auto", "en", str(tmp_path)), StanzaParser)


def test_broken_model_dir_is_a_clear_error(tmp_path):
    (tmp_path / "resources.json").write_text("{}")
    (tmp_path / "en").mkdir()
    with pytest.raises(MissingModelError, match="cannot load stanza models"):
        StanzaParser("en", str(tmp_path)).parse(["hello"])
