"""Records know where they lie on the genome; VCF lines are placed by CHROM and POS."""

from __future__ import annotations

import pytest

from medcore.errors import InvalidSequenceError, InvalidVariantError
from medcore.genomics import cnn, data, encode, service, variant
from medcore.genomics.io import Locus, parse_text


def test_headers_give_chromosome_range_and_strand():
    text = (">chr17:101-110(-)\nACGTACGTAA\n>BRCA1 chr17:1,001-1,010 -\nACGTACGTAA\n"
            ">u range=chr1:5-14 5'pad=0 strand=+\nACGTACGTAA\n>plain a window\nACGT\n")
    a, b, c, d = parse_text(text).records
    assert a.locus == Locus("chr17", 101, 110, "-") and b.locus == Locus("chr17", 1001, 1010, "-")
    assert c.locus == Locus("chr1", 5, 14, "+") and d.locus is None
    assert b.name == "BRCA1"


def test_bed_style_range_is_read_with_a_note_and_a_wrong_length_is_an_error():
    rec = parse_text(">chr2:100-110(+)\nACGTACGTAA\n").records[0]  # 10 bases: 0-based start
    assert rec.locus == Locus("chr2", 101, 110, "+") and "BED-style" in rec.notes[0]
    with pytest.raises(InvalidSequenceError, match="says chr2:100-200") as info:
        parse_text(">chr2:100-200\nACGTACGTAA\n")
    assert "1-based, inclusive" in info.value.fix


@pytest.mark.parametrize("strand", ["+", "-"])
def test_record_indices_map_to_genome_coordinates(strand):
    loc = Locus("chr5", 1001, 1400, strand)
    assert [loc.index(loc.genomic(i)) for i in (0, 199, 399)] == [0, 199, 399]
    assert loc.genomic(0) == (1001 if strand == "+" else 1400)
    assert loc.junction(200) == ("chr5:1,200|1,201(+)" if strand == "+" else
                                 "chr5:1,200|1,201(-)")


def _donor(data_dir) -> str:
    gue = data.gue_split(data_dir)
    return next(s for s, y in zip(gue.x_test, gue.y_test, strict=True)
                if y == 0 and s[200:202] == "GT" and s[190:212].count("G") >= 4)


def test_a_vcf_line_is_placed_by_coordinates_on_a_minus_strand_record(cnn_bundle, data_dir,
                                                                       tmp_path):
    """The donor's G (record base 201, written on the minus strand) is genome base 1,200 of
    chrX:1001-1400(-), a C on the forward strand: the VCF line C>G breaks the donor there,
    though another record comes first."""
    donor = _donor(data_dir)
    other = encode.reverse_complement(donor)
    path = tmp_path / "two.fa"
    path.write_text(f">first chrX:5001-5400 +\n{other}\n>gene chrX:1001-1400(-)\n{donor}\n")
    rows = cnn.predict_paths(cnn_bundle, [path], variant="chrX\t1200\trs1\tC\tG")
    eff = rows[-1]
    assert eff["record"] == "gene", eff
    e = eff["variant_effect"]
    assert e["variant"] == "201 G>C" and e["locus"] == "chrX:1,001-1,400(-)"
    loss = e["deltas"]["donor_loss"]
    assert loss["junction_after"] == 200 and loss["genomic"] == "chrX:1,200|1,201(-)"
    assert loss["score"] >= 0.5 and loss["reading"].startswith(("likely", "strong"))
    assert e["around"] == f"{donor[190:200]}[G>C]{donor[201:211]}"
    assert {r["genomic"] for r in e["scores"]} >= {"chrX:1,200|1,201(-)"}
    # the results and their sites carry genome coordinates too
    res = [r for r in rows if r.get("name") == "gene"][0]
    assert res["locus"] == "chrX:1,001-1,400(-)"
    assert res["junction_genomic"] == "chrX:1,200|1,201(-)"


def test_a_vcf_line_that_fits_no_record_is_never_applied(data_dir):
    donor = _donor(data_dir)
    recs = parse_text(f">gene chrX:1001-1400(-)\n{donor}\n>bare\n{donor}\n").records
    gene, bare = recs
    with pytest.raises(InvalidVariantError, match="forward") as info:  # REF is T there
        variant.locate("chrX\t1200\t.\tT\tG", recs, bare)
    assert "genome build" in info.value.fix
    with pytest.raises(InvalidVariantError, match="chr7:1,200 lies in none"):
        variant.locate("chr7\t1200\t.\tC\tG", recs, bare)
    with pytest.raises(InvalidVariantError, match="no record has genome coordinates") as info:
        variant.locate("chrX\t1200\t.\tC\tG", [bare], bare)
    assert "chr17:43044295-43125483(-)" in info.value.fix
    # 'X' and 'chrX' name one chromosome; a record-relative form applies to the chosen record
    assert variant.locate("X 1200 . C G", recs, bare)[0] is gene
    assert variant.locate("201 G>C", recs, bare)[0] is bare


def test_a_minus_strand_deletion_is_anchored_on_the_record(data_dir):
    donor = _donor(data_dir)
    gene = parse_text(f">gene chrX:1001-1400(-)\n{donor}\n").records[0]
    fwd = encode.reverse_complement(donor)
    pos = 1199  # forward bases 1199-1200 (record bases 202 and 201: T, G)
    ref = fwd[pos - 1001:pos - 1001 + 2]
    rec, v = variant.locate(f"chrX\t{pos}\t.\t{ref}\t{ref[0]}", [gene])
    # the deleted forward base 1200 is the record's base 201 (the donor's G)
    assert rec is gene and v.position == 200 and v.ref == donor[199:201]
    assert v.alt == donor[199]


def test_window_results_show_genomic_sites_in_scans(cnn_bundle, data_dir):
    donor = _donor(data_dir)
    long = parse_text(f">reg chr3:10001-10800 +\n{donor}{donor}\n").records
    res = service.analyse(cnn_bundle, long, explain_top=0)[0]
    assert res.kind == "scan" and res.sites
    assert all(s.genomic == res.locus.junction(s.junction_after) for s in res.sites)


def test_exons_are_read_from_ranges_or_bed_lines():
    from medcore.errors import SchemaError
    from medcore.genomics.io import Exon, parse_exons

    assert parse_exons("# exons\n1,001-1,200\n\nchr1\t1600\t1800\tex2\n") == [
        Exon(1001, 1200), Exon(1601, 1800, "chr1")]
    for bad in ("exon one", "200-100"):
        with pytest.raises(SchemaError) as info:
            parse_exons(bad)
        assert "start-end" in info.value.fix


@pytest.mark.parametrize("strand", ["+", "-"])
def test_known_junctions_from_exons_on_either_strand(cnn_bundle, data_dir, strand):
    """A donor window then an acceptor window (as written, 5'->3'): exon 1 ends at the donor,
    exon 2 starts at the acceptor; on the minus strand the same exons have the genome
    coordinates counted down from the record's end."""
    from medcore.errors import SchemaError
    from medcore.genomics.io import parse_exons

    gue = data.gue_split(data_dir)
    donor = _donor(data_dir)
    acceptor = next(s for s, y in zip(gue.x_test, gue.y_test, strict=True)
                    if y == 1 and s[198:200] == "AG")
    rec = parse_text(f">reg chr1:1001-1800({strand})\n{donor}{acceptor}\n").records
    res = service.analyse(cnn_bundle, rec, explain_top=0)[0]
    exons = "1001-1200\nchr1 1600 1800" if strand == "+" else "1601-1800\n1001-1200"
    assert service.known_junctions(res, parse_exons(exons)) == {200: "donor", 600: "acceptor"}
    marked_res, rows = service.mark_known(res, parse_exons(exons))
    assert [(r["known"], r["junction_after"]) for r in rows] == [("donor", 200),
                                                                  ("acceptor", 600)]
    assert rows[0]["genomic"] == res.locus.junction(200)
    for row, cls in zip(rows, (0, 1), strict=True):
        assert row["score"] == round(float(res.scores[row["junction_after"], cls]), 4)
        assert row["rank"] == int((res.scores[:, cls] > res.scores[row["junction_after"],
                                                                    cls]).sum()) + 1
        assert row["in_top_k"] == (row["rank"] == 1)
    marked = {(s.junction_after, s.known) for s in marked_res.sites if s.known}
    assert marked <= {(200, "donor"), (600, "acceptor")}
    assert not any(s.known for s in res.sites), "the given result is not marked"
    assert not any(s.known for s in service.mark_known(marked_res, [])[0].sites)
    with pytest.raises(SchemaError, match="not on this record"):
        service.known_junctions(res, parse_exons("chr2 1000 1200"))


def test_deltas_read_against_spliceais_cutoffs():
    words = [variant.reading(x).split()[0] for x in (0.0, 0.19, 0.2, 0.49, 0.5, 0.79, 0.8, 1.0)]
    assert words == ["unlikely", "unlikely", "possible", "possible", "likely", "likely",
                     "strong", "strong"]
    seq = "AAAAACCCCCGTTTTTGGGGG"
    assert variant.around(seq, variant.Variant(11, "G", "T"), 5) == "CCCCC[G>T]TTTTT"
    assert variant.around(seq, variant.Variant(2, "A", ""), 3) == "..A[A>-]AAA"
