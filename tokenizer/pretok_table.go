package tokenizer

// The pre-tokenizers of llama.cpp's llm_tokenizer_bpe, by pre-tokenizer type,
// and the names of tokenizer.ggml.pre that select them (llama_vocab::impl::load).

// preType describes one pre-tokenizer type and the vocabulary flags that
// llama.cpp sets along with it.
type preType struct {
	splitters    []splitter
	keepSpaces   bool // clean_spaces = false: Decode leaves " ," etc. alone
	ignoreMerges bool // a word that is a token is taken whole
	addBOS       bool // default of tokenizer.ggml.add_bos_token
	addSep       bool // default of tokenizer.ggml.add_sep_token
	noBOS        bool // the default BOS id is unset (chatglm)

	// raw: merges run over the raw UTF-8 (no byte-level mapping) and bytes
	// without a token fall back to <0xXX> (gemma4, sarvam-moe, whitespace).
	// escape: spaces become U+2581 before, and back after (SentencePiece
	// style; gemma4, sarvam-moe).
	raw, escape bool
	noLower     bool // the BERT-style lowercasing defaults to off (whitespace)
	forceBOS    bool // add_bos_token is always true (gemma4)
	newlines    bool // a word of newlines that is a token is taken whole (gemma4)
	noMerges    bool // tokenizer.ggml.merges may be missing (kimi-k2)
}

var (
	spGPT2      = splitter(splitGPT2)
	spLlama3    = splitter(splitLlama3)
	spPunctSym  = regexSplitter(matchClassRun(fPunct, "$+<=>^~|"))
	spNumRun    = regexSplitter(matchNumbers(0))
	spNum1      = regexSplitter(matchNumbers(1))
	spNum3      = regexSplitter(matchNumbers(3))
	spDigits3   = regexSplitter(matchDigits3)
	spNewline   = regexSplitter(matchNewline)
	spSpaceL    = regexSplitter(matchSpaceClassRun(fLetter))
	spSpaceP    = regexSplitter(matchSpaceClassRun(fPunct))
	spCJK       = regexSplitter(matchWideRun(cjkRanges))
	spCJKKana   = regexSplitter(matchWideRun(cjkKanaRanges))
	spDSLetters = regexSplitter(matchWideSpaceRun(func(c cpt) bool { return inSortedRanges(c, deepseekLetterRanges) }))
	spDSPunct   = regexSplitter(matchWideSpaceRun(func(c cpt) bool { return inRanges(c, deepseekPunctRanges) }))
	spPoro      = regexSplitter(matchPoro)
	spQwen2     = regexSplitter(qwenLike{contractions: true, digits: 1, trail: "\r\n"}.match)
)

// preTypes maps each tokenizer.ggml.pre value llama.cpp knows (and this
// package implements) to its pre-tokenizer.
var preTypes = func() map[string]*preType {
	m := map[string]*preType{}
	add := func(p *preType, names ...string) {
		for _, n := range names {
			m[n] = p
		}
	}
	def := []splitter{spPunctSym, spGPT2, spNumRun, spDigits3}
	add(&preType{splitters: def}, "", "default")
	add(&preType{splitters: []splitter{spLlama3}, ignoreMerges: true, addBOS: true},
		"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano")
	add(&preType{splitters: []splitter{spLlama3}}, "dbrx", "smaug-bpe")
	add(&preType{splitters: []splitter{spLlama3}, noBOS: true}, "glm4", "chatglm-bpe")
	add(&preType{splitters: []splitter{spNewline, spDSLetters, spDSPunct, splitTrailingSpace, spCJK, spNumRun}, keepSpaces: true},
		"deepseek-llm")
	add(&preType{splitters: []splitter{spNewline, spSpaceL, spSpaceP, spCJK, spNum1}, keepSpaces: true},
		"deepseek-coder")
	dsv3 := []splitter{spNum3, spCJKKana, regexSplitter(deepseekV3Like{}.match)}
	add(&preType{splitters: dsv3, keepSpaces: true}, "deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4")
	add(&preType{splitters: []splitter{spNum3, spCJKKana, regexSplitter(deepseekV3Like{spark: true}.match), spNum1}, keepSpaces: true},
		"spark2_5")
	add(&preType{splitters: []splitter{spPunctSym, spGPT2, spDigits3}}, "falcon")
	star := []splitter{spNum1, spGPT2}
	add(&preType{splitters: star}, "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2")
	add(&preType{splitters: star, keepSpaces: true}, "command-r", "smollm")
	gpt2 := []splitter{spGPT2}
	add(&preType{splitters: gpt2},
		"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert",
		"mpt", "olmo", "jais", "exaone4")
	add(&preType{splitters: gpt2, addSep: true}, "jina-v1-en", "jina-v2-code", "roberta-bpe")
	add(&preType{splitters: gpt2, keepSpaces: true}, "trillion", "granite-docling")
	add(&preType{splitters: []splitter{spQwen2}, keepSpaces: true},
		"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open", "grok-2")
	add(&preType{splitters: []splitter{spQwen2}}, "megrez", "stablelm2")
	add(&preType{splitters: []splitter{regexSplitter(qwenLike{contractions: true, marks: true, digits: 1, trail: "\r\n"}.match)}, keepSpaces: true},
		"qwen35")
	add(&preType{splitters: []splitter{regexSplitter(qwenLike{contractions: true, digits: 1}.match)}, keepSpaces: true},
		"seed-coder")
	add(&preType{splitters: []splitter{regexSplitter(qwenLike{contractions: true, digits: 1, trail: "\r\n"}.match)}, keepSpaces: true},
		"bailingmoe", "bailingmoe2", "llada-moe")
	add(&preType{splitters: []splitter{regexSplitter(qwenLike{digits: 1, trail: "\r\n"}.match)}, keepSpaces: true},
		"ufakzeka")
	add(&preType{splitters: []splitter{splitLines, spQwen2}, keepSpaces: true}, "laguna")
	add(&preType{splitters: []splitter{spNum3, regexSplitter(qwenLike{contractions: true, digits: 0, trail: "\r\n"}.match)}, ignoreMerges: true},
		"minicpm5")
	add(&preType{splitters: []splitter{regexSplitter(qwenLike{contractions: true, digits: 3, trail: "\r\n", jaisSpaces: true}.match)}},
		"jais-2")
	add(&preType{splitters: []splitter{spPoro}, keepSpaces: true}, "poro-chat")
	add(&preType{splitters: []splitter{spPoro}}, "bloom", "gpt3-finnish")
	add(&preType{splitters: []splitter{spPoro, spNum1}, keepSpaces: true}, "viking")
	add(&preType{splitters: []splitter{regexSplitter(tekkenLike{digits: 1}.match)}, keepSpaces: true, ignoreMerges: true, addBOS: true},
		"tekken")
	add(&preType{splitters: []splitter{regexSplitter(tekkenLike{contractions: true, digits: 3}.match)}, keepSpaces: true},
		"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2")
	add(&preType{splitters: []splitter{splitAfmoeDigits, regexSplitter(matchWideRun(afmoeRanges)), regexSplitter(deepseekV3Like{}.match)}, keepSpaces: true},
		"afmoe")
	add(&preType{splitters: []splitter{regexSplitter(matchYoutuCJK), regexSplitter(tekkenLike{flat: true, contractions: true, digits: 1}.match)}, keepSpaces: true, ignoreMerges: true},
		"youtu")
	add(&preType{splitters: []splitter{regexSplitter(tekkenLike{marks: true, contractions: true, digits: 3}.match)}, keepSpaces: true, ignoreMerges: true},
		"granite-embed-multi-97m")
	add(&preType{splitters: []splitter{splitTinyAyaDigits, regexSplitter(tekkenLike{flat: true, contractions: true, digits: 3}.match)}, keepSpaces: true},
		"tiny_aya", "cohere2moe")
	add(&preType{splitters: []splitter{regexSplitter(matchExaoneMoE)}}, "exaone-moe")
	add(&preType{splitters: []splitter{regexSplitter(matchSentinel), regexSplitter(matchImage), regexSplitter(matchChameleonSpaces), spNum1, regexSplitter(matchChameleonPunct), spGPT2}, keepSpaces: true, addBOS: true},
		"chameleon")
	add(&preType{splitters: []splitter{spNumRun, splitSuperBPE}, keepSpaces: true}, "superbpe")
	add(&preType{splitters: []splitter{splitKimiK2}, keepSpaces: true, noMerges: true}, "kimi-k2")
	add(&preType{splitters: []splitter{regexSplitter(matchNonSpace)}, raw: true, noLower: true}, "whitespace")
	add(&preType{splitters: []splitter{splitLines}, raw: true, escape: true, forceBOS: true, newlines: true},
		"gemma4", "granite-embed-multi-311m")
	add(&preType{splitters: []splitter{splitLines}, raw: true, escape: true, keepSpaces: true}, "sarvam-moe")
	return m
}()

// cjkRanges is [一-龥ࠀ-一가-퟿].
var cjkRanges = []cptRange{{0x0800, 0x9FA5}, {0xAC00, 0xD7FF}}

// cjkKanaRanges is [一-龥぀-ゟ゠-ヿ].
var cjkKanaRanges = []cptRange{{0x3040, 0x309F}, {0x30A0, 0x30FF}, {0x4E00, 0x9FA5}}

// deepseekPunctRanges is [!-/:-~！-／：-～‘-‟　-。].
var deepseekPunctRanges = []cptRange{{'!', '/'}, {':', '~'}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF5E}, {0x2018, 0x201F}, {0x3000, 0x3002}}

// deepseekLetterRanges is deepseek-llm's cased-letter class
// [A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃],
// sorted.
var deepseekLetterRanges = []cptRange{
	{'A', 'Z'}, {'a', 'z'}, {0xB5, 0xB5}, {0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x1BA}, {0x1BC, 0x1BF},
	{0x1C4, 0x293}, {0x295, 0x2AF}, {0x370, 0x373}, {0x376, 0x377}, {0x37B, 0x37D}, {0x37F, 0x37F},
	{0x386, 0x386}, {0x388, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3F5}, {0x3F7, 0x481},
	{0x48A, 0x52F}, {0x531, 0x556}, {0x10A0, 0x10C5}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD},
	{0x1C90, 0x1CBA}, {0x1CBD, 0x1CBF}, {0x1D00, 0x1D2B}, {0x1D6B, 0x1D77}, {0x1D79, 0x1D9A},
	{0x1E00, 0x1F15}, {0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57},
	{0x1F59, 0x1F59}, {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4},
	{0x1FB6, 0x1FBC}, {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3},
	{0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2102, 0x2102},
	{0x2107, 0x2107}, {0x210A, 0x2113}, {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124},
	{0x2126, 0x2126}, {0x2128, 0x2128}, {0x212A, 0x212D}, {0x212F, 0x2134}, {0x2139, 0x2139},
	{0x213C, 0x213F}, {0x2145, 0x2149}, {0x214E, 0x214E}, {0x2183, 0x2184}, {0x2C00, 0x2C7B},
	{0x2C7E, 0x2CE4}, {0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3}, {0xA640, 0xA66D}, {0xA680, 0xA69B},
	{0xA722, 0xA76F}, {0xA771, 0xA787}, {0xA78B, 0xA78E}, {0xAB70, 0xABBF}, {0xFB00, 0xFB06},
	{0xFB13, 0xFB17}, {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0x10400, 0x1044F}, {0x104B0, 0x104D3},
	{0x104D8, 0x104FB}, {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
}
