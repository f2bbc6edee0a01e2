"""The safety detector: measured on the labelled set, plus the contract and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.lexicon import LexiconError, compile_term
from bot.nlu.detector import SafetyDetector
from bot.nlu.safety_flagger import mention_entity
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import MUST_NOT_FLAG, affirmed, load_labelled, report, score

MIN_RECALL = 0.97
MIN_PRECISION = 0.95
MAX_FALSE_FLAGS = 0.03
CONTRAINDICATIONS = {
    "allergy", "diabetes", "liver_disease", "kidney_disease", "heart_disease", "pregnancy",
    "breastfeeding", "anticoagulants", "scalp_infection_or_lesion",
}  # fmt: skip
RED_FLAGS = {
    "infection_signs",
    "fever",
    "allergic_reaction",
    "severe_pain",
    "hair_loss_after_treatment",
}


@pytest.fixture(scope="module")
def detector() -> SafetyDetector:
    return SafetyDetector(ROOT / "data" / "safety")


@pytest.fixture(scope="module")
def scored(detector):
    result = score(detector, load_labelled())
    REPORT.append(f"safety detector on {sum(result.group_sizes.values())} labelled messages:")
    REPORT.extend(report(result).splitlines())
    return result


def test_labelled_set_is_large_and_covers_every_category_and_group():
    rows = load_labelled()
    assert len(rows) >= 300
    flagged = {flag for row in rows for flag in row["flags"]}
    assert flagged >= CONTRAINDICATIONS | RED_FLAGS
    groups = {row["group"] for row in rows}
    assert {
        *MUST_NOT_FLAG,
        "misspelled",
        "brand",
        "faq_embedded",
        "multi",
        "red_flag",
        "ordinary",
    } <= groups


def test_recall_and_precision_per_category(scored):
    low = {
        c: (round(scored.recall(c), 3), round(scored.precision(c), 3))
        for c in scored.categories
        if scored.recall(c) < MIN_RECALL or scored.precision(c) < MIN_PRECISION
    }
    assert not low, f"below recall {MIN_RECALL} / precision {MIN_PRECISION}: {low}\n" + "\n".join(
        scored.errors
    )


@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_false_flags_on_negated_hypothetical_and_third_party(scored, group):
    assert scored.false_flag_rate(group) <= MAX_FALSE_FLAGS, scored.false_flags.get(group)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I take Eliquis, how much is a session?", {"anticoagulants"}),
        ("my dad takes Eliquis", set()),
        ("I'm not pregnant and I take Eliquis", {"anticoagulants"}),
        ("stopped warfarin two years ago", set()),
        ("what if someone is diabetic?", set()),
        ("sugar is high, on insulin", {"diabetes"}),
        ("pregant and on warfrin", {"pregnancy", "anticoagulants"}),
        ("there's pus and I have a fever", {"infection_signs", "fever"}),
        ("a small bruise and mild itching", set()),
        ("I'm losing my hair, does it work?", set()),
        ("my hair is falling out in patches since the session", {"hair_loss_after_treatment"}),
        ("I get hives from lidocaine", {"allergy"}),
        ("I got hives from the injections", {"allergic_reaction"}),
    ],
)
def test_examples_from_the_contract(detector, text, expected):
    assert {m.category for m in affirmed(detector, text)} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Pain given as a score, or as agony, after a session.
        ("pain is 8/10 since the session", {"severe_pain"}),
        ("the pain's about 9 out of 10 after the injections", {"severe_pain"}),
        ("since the treatment the pain is a 9", {"severe_pain"}),
        ("in agony since the meso yesterday", {"severe_pain"}),
        ("a little sore after the session, 3/10 maybe", set()),
        ("I'd rate the clinic 9/10, lovely staff", set()),
        # Temperatures of 38 °C / 100.4 °F and over.
        ("temp is 38.6 since the session", {"fever"}),
        ("thermometer says 101.2F after the treatment", {"fever"}),
        ("my temp is 37.2, all fine", set()),
        ("it's 39 degrees outside today", set()),
        # General questions about symptoms are not reports.
        ("what are the signs of an infection?", set()),
        ("is it normal to have some swelling after?", set()),
        ("how do I know if it's infected?", set()),
        ("there's pus coming out, is that normal?", {"infection_signs"}),
        ("is it normal to have pus after my session?", {"infection_signs"}),
        # Spanish, with its own negation, third-party and hypothetical cues.
        ("estoy embarazada de 3 meses", {"pregnancy"}),
        ("todavía doy el pecho y tomo sintrom", {"breastfeeding", "anticoagulants"}),
        ("soy diabética tipo 1, me pongo insulina", {"diabetes"}),
        ("tengo 38,5 de fiebre y me sale pus desde la sesión", {"fever", "infection_signs"}),
        ("se me hincharon los labios después de la sesión", {"allergic_reaction"}),
        ("no estoy embarazada", set()),
        ("mi madre toma sintrom", set()),
        ("¿y si me quedo embarazada durante el tratamiento?", set()),
        # Idioms, brands and a statement that is not a question about the rule.
        ("bun in the oven, due in june", {"pregnancy"}),
        ("On warfarin 😬 is that a deal breaker?", {"anticoagulants"}),
        ("my mum's on warfarin and so am I", {"anticoagulants"}),
        ("trying to get pregnant next year", set()),
        # A negation before a list covers the list when it is an "or" list.
        ("I don't take any blood thinners or aspirin", set()),
        ("not on warfarin, xarelto or any other thinners", set()),
        ("no fever, pus and swelling since the session", {"infection_signs"}),
        # Hyphenated words are one word; an old episode is not a complication now.
        ("my sister-in-law is pregnant", set()),
        ("I had a fever with covid last year", set()),
        ("the pus has finally cleared up", set()),
    ],
)
def test_new_kinds_of_message(detector, text, expected):
    assert {m.category for m in affirmed(detector, text)} == expected


ROUND_TWO = [
    # General questions: a group, an indefinite person, supposing, examples after a question.
    ("Are diabetics allowed to have mesotherapy?", set()),
    ("If a woman was breastfeeding, could she have it?", set()),
    ("what would you do if a client had a fever after?", set()),
    ("Suppose I needed heparin after an operation, could I carry on?", set()),
    ("Let's say I'm diabetic, what then?", set()),
    ("And for those on blood thinners?", set()),
    ("What about if I'm still breastfeeding at the time?", set()),
    ("If I'm pregnant by then, can I still do the last session?", set()),
    ("once I'm pregnant will I need to stop?", set()),
    ("are there conditions that stop you having it? e.g. diabetes", set()),
    ("Is it true that people on aspirin can't have it?", set()),
    ("Is it ok if I'm on warfarin?", {"anticoagulants"}),
    ("Which medications are a problem? Like warfarin? I take it", {"anticoagulants"}),
    # ... unless the patient then counts themselves in, or owns the condition.
    ("Is it ok for diabetics? Asking as I am one", {"diabetes"}),
    ("Is this safe in pregnancy? asking because I'm 12 weeks", {"pregnancy"}),
    ("Is it safe in pregnancy? Asking because I'm worried about my sister", set()),
    ("Is it safe for people on warfarin like me?", {"anticoagulants"}),
    ("what if my warfarin dose changes during the course?", {"anticoagulants"}),
    ("As I said I'm on warfarin, is that ok?", {"anticoagulants"}),
    ("if a bit late, I should say I'm pregnant", {"pregnancy"}),
    # Asked ahead of time.
    (
        "Would I have to stop my blood thinners? Asking in case my cardiologist starts me "
        "on them next month",
        set(),
    ),
    ("Will I need to stop my warfarin? Asking before I book", {"anticoagulants"}),
    # General questions about complications.
    ("What temperature counts as a fever?", set()),
    ("Should we worry about swelling after the first session?", set()),
    ("What signs of infection should I look out for after?", set()),
    ("Is oozing from the injection sites something to call about?", set()),
    ("Should I worry about this swelling on my lips after the session?", {"allergic_reaction"}),
    ("is a fever of 38.5 normal after the session? I have one", {"fever"}),
    ("Is it normal for the redness to spread like this?", {"infection_signs"}),
    # Someone else: family with a word before the noun, plurals, clients, "of mine".
    ("my elderly dad has a pacemaker, is that a problem for him?", set()),
    ("One of my customers is pregnant and wants to book", set()),
    ("a guy at my gym is diabetic and wants to try this", set()),
    ("the lady next door takes warfarin", set()),
    ("A friend of mine is on dialysis", set()),
    ("my mam's diabetic, she's asking if she can come", set()),
    ("my friend, who is on warfarin, wants to book", set()),
    ("Mi madre, que toma Sintrom, quiere venir", set()),
    ("Me and my partner are expecting in March", {"pregnancy"}),
    ("both me and my mum have kidney disease", {"kidney_disease"}),
    ("I'm a patient at the clinic on warfarin", {"anticoagulants"}),
    ("My partner has AF, we both want the course", set()),
    # Over: a finished course, a negative test, a normal result, an old episode denied now.
    ("I was on heparin jabs after my op and finished them in March", set()),
    ("I took my warfarin today, stopped my vitamins", {"anticoagulants"}),
    ("I thought I was pregnant but the test came back negative", set()),
    ("I'm not diabetic, my hba1c came back normal", set()),
    ("My HbA1c is 62 which is not normal", {"diabetes"}),
    ("Had hepatitis as a child but no liver problems now", set()),
    ("Previously had hepatitis C, treated and cured in 2018", set()),
    ("Off the blood thinners now since March", set()),
    ("nada de alergias", set()),
    # Idioms, brands and everyday wording.
    ("Positive test yesterday!! Do I need to cancel?", {"pregnancy"}),
    ("my covid test was positive so I need to rebook", set()),
    ("Latex gives me hives, is there latex in the gloves?", {"allergy"}),
    ("the injections gave me a rash all over my neck", {"allergic_reaction"}),
    ("I'm on rivaroxaban for AF", {"anticoagulants", "heart_disease"}),
    ("I'm on Brilique after my stent", {"anticoagulants", "heart_disease"}),
    ("on Novomix 30", {"diabetes"}),
    ("my heart isn't great, is that a problem?", {"heart_disease"}),
    ("My son is breastfed and I'm on sertraline", {"breastfeeding"}),
    ("I've got a crusty patch on my scalp that won't heal", {"scalp_infection_or_lesion"}),
    ("The spots on my scalp have turned yellow since the session", {"infection_signs"}),
    ("my parting looks wider since the treatment", {"hair_loss_after_treatment"}),
    ("No puedo ni dormir del dolor desde el tratamiento", {"severe_pain"}),
    # A treatment not had yet is no treatment context.
    ("My hair is shedding a lot, which is why I'm looking to start treatment", set()),
]


ROUND_THREE_AND_FOUR = [
    # Rounds 3 and 4 (bench/SAFETY.md): each kind in words of my own, not a batch's row.
    # Head injuries and sores placed on the head.
    ("I split my head open on the car boot last week", {"scalp_infection_or_lesion"}),
    (
        "had 5 stitches after a fall, are they ok for the needles?",
        {"scalp_infection_or_lesion"},
    ),
    ("there's a cyst on the top of my head", {"scalp_infection_or_lesion"}),
    ("my psoriasis has gone really sore lately", {"scalp_infection_or_lesion"}),
    ("If my eczema flares up the week before, do I reschedule?", set()),
    # Severe pain in the patient's order of telling, and a score on its own.
    ("the headache was that bad I was vomiting all night after the session", {"severe_pain"}),
    ("is it normal to hurt this much after? easily 8/10", {"severe_pain"}),
    # Hair loss told without the word.
    ("since the treatment my fringe is looking really sparse", {"hair_loss_after_treatment"}),
    ("3 sessions in and there are gaps at the temples", {"hair_loss_after_treatment"}),
    ("bits are falling out from the root after the meso", {"hair_loss_after_treatment"}),
    # A reaction, not an infection, and not an allergy, after a session.
    (
        "after my session I got an allergic reaction to something, face puffy",
        {"allergic_reaction"},
    ),
    ("since the injections I've come up in hives on my neck", {"allergic_reaction"}),
    ("rash spreading down my back since yesterday's treatment", {"allergic_reaction"}),
    # An allergy told by what the substance does.
    ("plasters bring me out in a rash", {"allergy"}),
    ("penicillin makes my lips swell", {"allergy"}),
    ("I'm allergic to aspirin", {"allergy"}),
    ("intolerant to nuts, they make my throat tight", {"allergy"}),
    # Conditions in other words.
    ("two lines on the stick this morning!", {"pregnancy"}),
    ("he's still breastfed at night", {"breastfeeding"}),
    ("I'm still feeding her myself at 10 months", {"breastfeeding"}),
    ("liver scarring from years of drinking, is that a problem?", {"liver_disease"}),
    ("had an MI two years ago", {"heart_disease"}),
    ("Tengo una válvula mecánica", {"heart_disease"}),
    # Over now.
    ("my apixaban finished last month", set()),
    ("I was on clexane after surgery but haven't used it since June", set()),
    ("Allergies? none. Pregnant? nope", set()),
    ("I'm on warfarin? no one told me if that matters", {"anticoagulants"}),
    ("we lost the baby in spring, so not pregnant now", set()),
    ("the eczema healed up in the summer", set()),
    ("my kidney results went back up and the GP says normal again", set()),
    ("Dejé la heparina el mes pasado", set()),
    # Hypothetical: what the patient has read, what to do if, the clinic's list.
    ("I heard about people losing hair after meso, is it true?", set()),
    ("what should I do if my face swells after?", set()),
    ("If your scalp got infected, would you give antibiotics?", set()),
    ("Would pregnancy be a problem if we have another baby next year?", set()),
    ("Is diabetes on your form as a reason not to treat?", set()),
    ("when do I phone you about a fever after?", set()),
    # Someone else, also without "my".
    ("Neighbour is on warfarin and wants to know if she can come", set()),
    ("Hubby has diabetes, can he book?", set()),
    ("one of the lads at work takes xarelto", set()),
    ("my cousin had an infection after injections, pus everywhere", set()),
    ("Asking for my aunt: type 1, on insulin, would you treat her?", set()),
    ("asking for my daughter, 22, who has psoriasis", set()),
    # Not the condition.
    ("I'm a renal nurse, can I book a Saturday?", set()),
    ("the bruise from the needle is turning yellow now", set()),
    ("cardiology discharged me last year with a clean bill of health", set()),
]


ROUND_SIX = [
    # Terms: scarring scalp conditions, an inherited kidney disease, a liver described.
    ("the dermatologist thinks it's frontal fibrosing alopecia", {"scalp_infection_or_lesion"}),
    ("I've got lichen planopilaris at the crown", {"scalp_infection_or_lesion"}),
    ("fit and well except for my kidneys, it's polycystic", {"kidney_disease"}),
    ("I have Alport's, seen yearly by the renal team", {"kidney_disease"}),
    ("the scan said my liver is enlarged", {"liver_disease"}),
    # Complications in other words, after a session.
    ("one injection spot is full of yellow goo since the session", {"infection_signs"}),
    ("two of the meso dots have gone angry and weepy", {"infection_signs"}),
    ("my head after the treatment is throbbing off the scale", {"severe_pain"}),
    ("since the injections my temples are receding faster", {"hair_loss_after_treatment"}),
    # The patient with the subject left out, and "like me".
    ("Had twins in March and am still breastfeeding both", {"breastfeeding"}),
    ("My brother is diabetic like me and he had it done", {"diabetes"}),
    # Over, or never.
    ("It's not that I'm diabetic, my sugar was just a bit high once", set()),
    ("the GP ruled out kidney disease last year", set()),
    ("Liver problems? No. Heart? Still no.", set()),
    ("hep B cleared in 2015, liver scan fine", set()),
    ("the allergy clinic did patch tests and found nothing", set()),
    # Ahead of time, or a worry about what will happen.
    ("I'm nervous I'll get an infection from the needles", set()),
    ("my cardiologist may put me on apixaban after the op", set()),
    ("If I decide to get pregnant next year, should I stop?", set()),
    ("in case I ever get a fever afterwards, who do I call?", set()),
    ("how high does a temperature have to be after meso before I ring?", set()),
    ("what do you mean by liver disease on the form?", set()),
    # Someone else: family history, relations and roles.
    ("heart disease runs in our family, should I be careful?", set()),
    ("Grandpa's on warfarin and wants to come along", set()),
    ("our nanny has psoriasis on her scalp, can she book?", set()),
    ("the lady who does my brows is pregnant and wants the injections", set()),
]


ROUND_EIGHT = [
    # Terms: a local anaesthetic the patient cannot have, blisters from a plaster.
    ("I can't have lignocaine, it makes me feel awful", {"allergy"}),
    ("heads up, I come up in blisters from surgical tape", {"allergy"}),
    # Diabetes that has arrived; what only a pregnancy has.
    ("borderline for ages but it's now proper type 2", {"diabetes"}),
    ("the midwife is watching me for pre-eclampsia", {"pregnancy"}),
    ("I'm booked into antenatal classes next month", {"pregnancy"}),
    ("they found gestational diabetes at my 28 week check", {"pregnancy", "diabetes"}),
    # Organs by their numbers and their future.
    ("my consultant says fibrosis grade 2", {"liver_disease"}),
    ("I'm waiting for a new liver", {"liver_disease"}),
    ("eGFR keeps dropping, so the GP sent me to the kidney clinic", {"kidney_disease"}),
    ("creatinine is raised again apparently", {"kidney_disease"}),
    ("I've had a tissue valve since 2019", {"heart_disease"}),
    # Breastfeeding told by what it involves.
    ("my boy is 6 months and still breastfed", {"breastfeeding"}),
    ("worried it will hit my supply, my supply is only just ok", {"breastfeeding"}),
    ("I pump at work at lunchtime", {"breastfeeding"}),
    ("nursing mum of a 5 week old here", {"breastfeeding"}),
    # A wound closed at the hospital.
    ("fell off my bike and they stapled my scalp on Friday", {"scalp_infection_or_lesion"}),
    # Hair loss after treatment in other words, where the clinic treated.
    ("since the sessions my hairline has moved backwards", {"hair_loss_after_treatment"}),
    ("there are shiny patches where you injected", {"hair_loss_after_treatment"}),
    ("the part you treated looks sparser than before", {"hair_loss_after_treatment"}),
    # The practitioner is not someone else; the doctors who said so.
    ("the spots where he injected are red and hot", {"infection_signs"}),
    ("they said kidney disease stage 3 at my last review", {"kidney_disease"}),
    # An ending denied is no ending; a condition that went on.
    ("the folliculitis hasnt cleared even with the shampoo", {"scalp_infection_or_lesion"}),
    ("my psoriasis has gone haywire on my scalp", {"scalp_infection_or_lesion"}),
    # A family history the patient shares.
    ("diabetes runs in the family and I have it too", {"diabetes"}),
    # Over: it never came back, it is long gone, a false alarm, signed off.
    ("had shingles on my scalp in spring and it hasn't come back", set()),
    ("the cold sore is long gone", set()),
    ("the heart murmur was a false alarm", set()),
    ("the liver clinic signed me off in june", set()),
    # Elsewhere than the scalp.
    ("my psoriasis is only on my elbows", set()),
    # Supposing, the form, the rule.
    ("say I was on warfarin, could I still come?", set()),
    ("the form says lactating, does that include expressing?", set()),
    ("what's the deal with diabetes and the injections?", set()),
    # Someone else: a pet, a stranger placed by where they sat, a child.
    ("our cat is on clopidogrel, so I'll need an early slot", set()),
    ("the lady next to me at the clinic was pregnant", set()),
    ("my eldest girl has eczema all over her scalp", set()),
    ("a friend of mine is on Eliquis and asked me to ask", set()),
    ("baby number three is on the way!", {"pregnancy"}),
    # A result that was wrong, and a future in Spanish.
    ("my liver tests were off once but retested fine", set()),
    ("si en el futuro tuviera diabetes, podría seguir?", set()),
    # The allergy's reason, told in the present or in Spanish.
    ("nut allergy - I get hives and my throat goes tight", {"allergy"}),
    ("soy alérgico al látex, se me hincharon las manos una vez", {"allergy"}),
]


ROUND_NINE = [
    # Terms: an adverb before "badly", sulfa drugs, gloves that must be latex-free, what a
    # substance does to the skin, aspirin that sets off asthma (the allergy, not a thinner).
    ("I react quite badly to elastoplast so please no plasters", {"allergy"}),
    ("sulpha antibiotics are on my allergy list", {"allergy"}),
    ("my GP always uses latex-free gloves on me", {"allergy"}),
    ("wool leaves my skin raw and swollen, always has", {"allergy"}),
    ("aspirin sets my asthma off so I avoid it", {"allergy"}),
    # Diabetes by its type, its insulin and its numbers (a normal reading is not one).
    ("I've got type 2 and I'm on tablets for it", {"diabetes"}),
    ("took my correction dose and I'm fine now, just running late", {"diabetes"}),
    ("my blood sugar was 23 this morning so I'm a bit wobbly", {"diabetes"}),
    ("my blood sugar was 5.4 at the well-woman check", set()),
    # Organs: MASH, an inflamed liver, F3 scarring, dialysis as the unit says it, a donated
    # kidney, kidneys doing half their job, the widowmaker and the ticker.
    ("they told me I have MASH last month", {"liver_disease"}),
    ("my liver is inflamed according to the scan", {"liver_disease"}),
    ("hep c is treated but there's still F3 scarring", {"liver_disease"}),
    ("on haemo twice a week at the unit", {"kidney_disease"}),
    ("I received a kidney from my sister in 2020", {"kidney_disease"}),
    ("my kidneys only manage about half their job now", {"kidney_disease"}),
    ("survived a widowmaker three years ago", {"heart_disease"}),
    ("still on a load of pills for the ticker", {"heart_disease"}),
    ("apenas me enteré de que estoy en la dulce espera", {"pregnancy"}),
    # Breastfeeding, with the child as the one fed; a daughter who feeds is someone else.
    ("I'm expressing for my twins at the moment", {"breastfeeding"}),
    ("I still nurse my toddler before bed", {"breastfeeding"}),
    ("she still has a feed first thing every morning", {"breastfeeding"}),
    ("my son gets breast milk from me twice a day", {"breastfeeding"}),
    ("my daughter is breastfeeding her baby, can she come too?", set()),
    ("i stopped pumping a month ago and my milk has dried up", set()),
    # Wounds on the head before any session.
    ("got 5 stitches at the back after the fall last week", {"scalp_infection_or_lesion"}),
    # Red flags in other words: streaks, pain that made the patient sick, a pain score after
    # an adjective, the treated area going thin, a ponytail half the size, the gun.
    ("red streaky lines going down my neck from the injection points", {"infection_signs"}),
    ("my head hurt so much after the session I was sick", {"severe_pain"}),
    ("the crown is excruciatingly painful since Tuesday's session", {"severe_pain"}),
    ("pain level a steady 8 since the injections", {"severe_pain"}),
    ("the treated area is going thin and you can see scalp", {"hair_loss_after_treatment"}),
    ("my ponytail is half the size since the sessions", {"hair_loss_after_treatment"}),
    ("handfuls in the plughole every morning since treatment", {"hair_loss_after_treatment"}),
    ("my hair pulls out with no effort where you injected", {"hair_loss_after_treatment"}),
    ("the bald patch appeared right where the gun went in", {"hair_loss_after_treatment"}),
    ("my lips went huge an hour after the injections", {"allergic_reaction"}),
    ("skin is red, raised and itchy all round the injection sites", {"allergic_reaction"}),
    # Whoever noticed it is not the one who has it.
    ("my husband noticed a bare patch where the needles were", {"hair_loss_after_treatment"}),
    # "Killing me" of something else; asking whether it is an allergy; a joke.
    ("morning sickness is killing me, can we move Friday?", {"pregnancy"}),
    ("the waiting is killing me, when do results show?", set()),
    ("is it an allergy if I get hives after?", set()),
    ("I'm allergic to early mornings, anything after 10?", set()),
    # Over: growing back, gone since, fixed, taken off, cleared, wrong all along, healed.
    ("the shedding after my first session stopped and it's all growing back", set()),
    ("the fatty liver I had is gone since I lost weight", set()),
    ("the SVT got fixed with an ablation and I'm off the tablets", set()),
    ("I was on apixaban but they took me off it in march", set()),
    ("cleared hep c years ago with tablets", set()),
    ("the penicillin allergy turned out to be wrong and it's off my notes now", set()),
    ("healthy as a horse, nothing oozing, just a bit pink where you injected", set()),
    ("hep b vaccinated years ago for work", set()),
    # Someone else: care-home residents, a patient with the sender's job in brackets.
    ("one of our residents is on rivaroxaban and asked me to find out", set()),
    ("a patient of mine (I'm a district nurse) takes warfarin", set()),
    # A question about telling signs apart.
    ("how would I tell an infection from normal redness?", set()),
]


ROUND_TEN = [
    # Round 10, one probe per kind read in unseen9 (bench/SAFETY.md): conditions told by
    # their drugs, devices, procedures, lab values and everyday consequences; red flags told
    # by what the patient sees and feels; endings, asides and look-alike words.
    ("elastoplast and me don't get on, I come up in welts", {"allergy"}),
    ("ibuprofen sets off my asthma so I can't take it", {"allergy"}),
    ("sticky dressings take my skin off, no plasters please", {"allergy"}),
    ("my hba1c came back at 64 mmol/mol so I'm on metformin now", {"diabetes"}),
    ("HbA1c 38 at my check so no diabetes for me", set()),
    ("I scan my Libre before every meal", {"diabetes"}),
    ("had my varices banded last spring", {"liver_disease"}),
    ("they drain fluid off my tummy every few weeks at the liver unit", {"liver_disease"}),
    ("stage 2 fibrosis on my last scan", {"liver_disease"}),
    ("on the machine three afternoons a week", {"kidney_disease"}),
    ("I do peritoneal overnight at home", {"kidney_disease"}),
    ("my fistula is in my right arm so use the left for blood pressure", {"kidney_disease"}),
    ("my brother gave me one of his in 2019", {"kidney_disease"}),
    ("still on my anti-rejection tablets", {"kidney_disease"}),
    ("my ejection fraction is only 30", {"heart_disease"}),
    ("I've got a mechanical valve", {"heart_disease"}),
    ("growing a human over here, 20 weeks tomorrow", {"pregnancy"}),
    ("I'm 3 days overdue and bored", {"pregnancy"}),
    ("the scan showed two heartbeats", {"pregnancy"}),
    ("I pump twice a day at work for my little girl", {"breastfeeding"}),
    ("still feeding my 18 month old to sleep", {"breastfeeding"}),
    ("I've had mastitis twice this month", {"breastfeeding"}),
    (
        "the biopsy on my scalp came back fine but the spot is still there",
        {"scalp_infection_or_lesion"},
    ),
    ("cracked my head on the car door and it's still tender", {"scalp_infection_or_lesion"}),
    ("the sore on my crown just won't heal", {"scalp_infection_or_lesion"}),
    ("there's a raw patch where the hair dye burnt me", {"scalp_infection_or_lesion"}),
    ("one of the injection spots is a hot lump now", {"infection_signs"}),
    ("squeezed a spot where you injected and gunk came out", {"infection_signs"}),
    ("been spiking temps since the session", {"fever"}),
    ("39.2 on the thermometer tonight, had my scalp done on Monday", {"fever"}),
    ("38.7 tonight and shivery since the injections", {"fever"}),
    ("the headache was so bad I was sick", {"severe_pain"}),
    ("lying on my head feels like broken glass since the session", {"severe_pain"}),
    ("I can't put my head on the pillow since the injections", {"severe_pain"}),
    ("it's 9/10 since the treatment", {"severe_pain"}),
    ("the pain behind my ear is off the charts since the injections", {"severe_pain"}),
    ("a bald strip along my parting since the sessions", {"hair_loss_after_treatment"}),
    (
        "no hair at all on that spot now and it wasn't there before the course",
        {"hair_loss_after_treatment"},
    ),
    ("it's thinner on top than before the sessions", {"hair_loss_after_treatment"}),
    ("falling out worse than ever since the treatment", {"hair_loss_after_treatment"}),
    ("my lips are going fat since the appointment", {"allergic_reaction"}),
    ("rash across my neck and arms after the vitamin shot", {"allergic_reaction"}),
    ("where the nurse started there's a bald bit now", {"hair_loss_after_treatment"}),
    ("he said the scalp's been fine since", set()),
    ("the hep c test was a false positive", set()),
    ("shingles was in 2020 and my scalp's been fine since", set()),
    ("if I get a cold sore on my lip the week before, should I still come?", set()),
    ("how would I know if it's infected?", set()),
    ("my chest goes tight on the stairs, I have angina", {"heart_disease"}),
    ("I'm 6 weeks postpartum and shivery with 38.4 since the injections", {"fever"}),
    ("tuve diabetes en el embarazo pero se me quitó al dar a luz", set()),
    ("se me están haciendo calvas justo donde me pincharon", {"hair_loss_after_treatment"}),
    ("it varies from day to day", set()),
    ("I was scared the needles would hurt", set()),
    ("my sister gave her kidney to my dad", set()),
]


ROUND_ELEVEN = [
    # Round 11, one probe per kind read in unseen11 (bench/SAFETY.md): conditions told the
    # way they are lived or as a doctor named them, in the middle of a chat; red flags told
    # by what they feel like; look-alikes that name nothing.
    ("codeine makes me come up in hives so none of that please", {"allergy"}),
    ("elastoplast brings my skin up in blisters", {"allergy"}),
    ("I can not take penicillin, it's on my notes", {"allergy"}),
    ("I came back positive for latex at the hospital", {"allergy"}),
    ("been type 2 for ten years now", {"diabetes"}),
    ("I wear a pump on my belly so mind the tubing", {"diabetes"}),
    ("I do three injections a day, one with each meal", {"diabetes"}),
    ("I get hypos if I skip lunch", {"diabetes"}),
    ("my letter from the hospital says T2DM", {"diabetes"}),
    ("I CANT HAVE PENICILLIN", {"allergy"}),
    ("they take fluid off my belly every month because of the liver", {"liver_disease"}),
    ("I have alpha-1 antitrypsin deficiency", {"liver_disease"}),
    ("my liver is affected by the hep B", {"liver_disease"}),
    ("I have a problem with my kidney, the consultant says it is chronic", {"kidney_disease"}),
    ("my kidneys aren't what they were", {"kidney_disease"}),
    ("I'm losing protein so they've put me on a special diet", {"kidney_disease"}),
    ("I use a spray under the tongue when I get chest pain", {"heart_disease"}),
    ("my pulse is irregular and they're keeping an eye on it", {"heart_disease"}),
    ("I have WPW and I'm waiting for an ablation", {"heart_disease"}),
    ("they finally diagnosed atrial flutter last spring", {"heart_disease"}),
    ("two pink lines on the test this morning", {"pregnancy"}),
    ("baby's measuring 20 weeks at the scan", {"pregnancy"}),
    ("she's four months old and combo fed", {"breastfeeding"}),
    ("I still give him a feed in the morning", {"breastfeeding"}),
    ("sigo dando pecho a mi bebé", {"breastfeeding"}),
    ("still doing the daily stomach injections after my knee op", {"anticoagulants"}),
    ("hair dye burnt my scalp, it's raw along the parting", {"scalp_infection_or_lesion"}),
    ("my excema is bad on the back of my head", {"scalp_infection_or_lesion"}),
    ("the redness is creeping towards my neck and it's warm", {"infection_signs"}),
    ("a few spots are oozeing since the session", {"infection_signs"}),
    ("honestly 9/10, I can't think straight", {"severe_pain"}),
    ("the pain is dreadful, I was crying with it last night", {"severe_pain"}),
    ("worse than childbirth, no exaggeration", {"severe_pain"}),
    ("no aguanto más, me duele toda la cabeza", {"severe_pain"}),
    ("clumps coming away in the brush since my 2nd session", {"hair_loss_after_treatment"}),
    ("I've had 4 sessions and the bald spot is getting bigger", {"hair_loss_after_treatment"}),
    ("swelling's on my eyelids and lips since the injections", {"allergic_reaction"}),
    ("cured of hep C in 2019", set()),
    ("supposing I got pregnant during the course, what then?", set()),
    ("descartada la diabetes, el análisis salió bien", set()),
    ("¿hay contraindicaciones? por ejemplo el embarazo", set()),
    ("my discharge letter came in the post today", set()),
    ("is the sugar in my tea a problem after the session?", set()),
    ("I'm expecting a parcel so can we do the afternoon?", set()),
    ("I take metformin for my PCOS, my bloods are fine", set()),
    ("they're calling it psoriasis but I'm not sure", {"scalp_infection_or_lesion"}),
    ("no problems with my kidneys or my heart, just thinning on top", set()),
    ("I injected Fragmin every day after my op but that stopped in March", set()),
]


ROUND_TWELVE = [
    # Round 12, one probe per kind read in unseen12 (bench/SAFETY.md): an everyday inbox
    # from patients who write English differently, and Spanish.
    ("I can't use minoxidil, it gave me a rash on my forehead", {"allergy"}),
    ("sugar patient for 8 years, on glycomet", {"diabetes"}),
    ("type 2 but diet-controlled", {"diabetes"}),
    ("T2, tablet controlled, is that ok?", {"diabetes"}),
    ("my hepa b test came back reactive last year", {"liver_disease"}),
    ("I have Gilberts syndrome", {"liver_disease"}),
    ("I am a kidney patient since 2015", {"kidney_disease"}),
    ("the diabetes has damaged my kidneys", {"diabetes", "kidney_disease"}),
    ("born with a heart defect and I still see a cardiologist", {"heart_disease"}),
    ("I am in family way, second month", {"pregnancy"}),
    ("I'm carrying for my sister, 12 weeks now", {"pregnancy"}),
    ("the scan showed a heartbeat yesterday", {"pregnancy"}),
    ("my son is 6 months and still sucking breast", {"breastfeeding"}),
    ("my little girl still nurses at night", {"breastfeeding"}),
    ("taking acitrom daily", {"anticoagulants"}),
    ("pimples all over my scalp right now", {"scalp_infection_or_lesion"}),
    ("the pain got so bad I had to lie down", {"severe_pain"}),
    ("the pain since the session is too much", {"severe_pain"}),
    ("sharp stabing pains in my scalp", {"severe_pain"}),
    ("my scalp feels like it is on fire", {"severe_pain"}),
    ("my hairline has gone back since the meso", {"hair_loss_after_treatment"}),
    ("the treatment ruined my hair", {"hair_loss_after_treatment"}),
    ("I have temperature since the session", {"fever"}),
    ("the injection spots, they're hot and swollen", {"infection_signs"}),
    ("had ringworm on my scalp as a kid, nothing there now", set()),
    ("tuve hepatitis de joven pero ya estoy curada", set()),
    ("first session done, a bit red and tender but fine", set()),
]


ROUND_THIRTEEN = [
    # Round 13, one probe per kind read in unseen14 (bench/SAFETY.md): hard cases told by
    # what is done to the patient, what they take and what they see and feel.
    ("the hospital always gives me a red wristband", {"allergy"}),
    ("I'm on rifaximin for my liver", {"liver_disease"}),
    ("I have a bit of a dodgy liver", {"liver_disease"}),
    ("I do bag exchanges overnight at home", {"kidney_disease"}),
    ("I got my mum's kidney in 2020", {"kidney_disease"}),
    ("my renal dietitian says no bananas", {"kidney_disease"}),
    ("I have a leaky valve they keep an eye on", {"heart_disease"}),
    ("they shocked me back into rhythm last year", {"heart_disease"}),
    ("I have Marfan's syndrome", {"heart_disease"}),
    ("my beta came back positive this morning", {"pregnancy"}),
    ("my bump is just starting to show", {"pregnancy"}),
    ("she still feeds from me at night", {"breastfeeding"}),
    ("mostly breast with a bottle at night", {"breastfeeding"}),
    ("I take Waran every evening", {"anticoagulants"}),
    ("I've got a fungal patch on my crown", {"scalp_infection_or_lesion"}),
    ("a sore on my head that never heals", {"scalp_infection_or_lesion"}),
    ("the spot you injected has gone hard and hot", {"infection_signs"}),
    ("the throb is an 8 out of 10 since the injections", {"severe_pain"}),
    ("paracetamol does nothing for the pain in my scalp", {"severe_pain"}),
    ("the pain after the session had me in tears", {"severe_pain"}),
    ("my parting is twice as wide since the course", {"hair_loss_after_treatment"}),
    ("my lips feel tingly and fat since the session", {"allergic_reaction"}),
    ("sweating through the sheets since the treatment", {"fever"}),
    ("that quote nearly gave me a heart attack", set()),
    ("tengo 38 y medio desde la sesión", {"fever"}),
]


ROUND_FOURTEEN = [
    # Round 14, one probe per kind read in unseen15 and unseen16 (bench/SAFETY.md): the
    # everyday inbox typed on a phone, and conditions told by medicines, clinics, devices,
    # results and what the patient notices.  The last two: a patient who describes herself
    # as a mum in an earlier clause is not someone else (bot/nlu/assertion.py).
    ("my GP record carries a latex alert", {"allergy"}),
    ("skin prick test showed I'm positive to wasp venom", {"allergy"}),
    ("I'm halfway through desensitisation injections for bee stings", {"allergy"}),
    ("ibuprofen makes my throat tighten", {"allergy"}),
    ("I use an Omnipod, so I'll take it off for the session if you like", {"diabetes"}),
    ("the liver team see me every three months", {"liver_disease"}),
    ("my consultant says my liver is struggling", {"liver_disease"}),
    ("my ALT came back at 210", {"liver_disease"}),
    ("my kidneys are working at 25 percent", {"kidney_disease"}),
    ("I've had a pace maker since 2019", {"heart_disease"}),
    ("I'm still recovering from myocarditis", {"heart_disease"}),
    ("my EF was 35 at the last echo", {"heart_disease"}),
    ("my echo was fine, EF 60%", set()),
    ("we had the nuchal scan on Monday", {"pregnancy"}),
    ("I'm only 9 weeks so we haven't told anyone", {"pregnancy"}),
    ("I have conceived, it's very early", {"pregnancy"}),
    ("the midwife says the baby is breech", {"pregnancy"}),
    ("the Clearblue said yes this morning", {"pregnancy"}),
    ("I'm carrying my second baby", {"pregnancy"}),
    ("my little one is 5 months and still exclusively breastfed", {"breastfeeding"}),
    ("I give my baby breast milk every night", {"breastfeeding"}),
    ("I'm a new mum, fully breastfeeding", {"breastfeeding"}),
    ("mi bebé todavía toma teta", {"breastfeeding"}),
    ("do I have to wean before the course?", {"breastfeeding"}),
    ("I'm on the clot tablets after my embolism", {"anticoagulants"}),
    ("I had Mohs surgery near my parting last month", {"scalp_infection_or_lesion"}),
    ("there's a burn on my crown from the straighteners", {"scalp_infection_or_lesion"}),
    ("the glands in my neck came up after the injections", {"infection_signs"}),
    ("the spots smell rotten since the session", {"infection_signs"}),
    ("since the injections the pain is the worst ever", {"severe_pain"}),
    ("the pain since the session is a 9/10, even codeine won't dull it", {"severe_pain"}),
    ("since the treatment it hurts more than labour did", {"severe_pain"}),
    ("since the session my pillow is covered in hair", {"hair_loss_after_treatment"}),
    ("after the last round a patch has gone completely bare", {"hair_loss_after_treatment"}),
    ("since the meso I break out in an allergic rash", {"allergic_reaction"}),
    ("since the session the pain got so bad I ended up at urgent care", {"severe_pain"}),
    ("I'm a renal nurse, can I book a Saturday?", set()),
    ("I had typhoid fever in the summer and I'm fine now", set()),
    ("I might be starting blood thinners after my operation", set()),
    ("my mum has diabetes and I have it as well", {"diabetes"}),
    ("my kidneys are leaking protein", {"kidney_disease"}),
    ("the whites of my eyes are going yellow", set()),
    ("shedding has been normal since the sessions", set()),
    ("I'm a first time mom, baby is 3 months, pure breastfeeding", {"breastfeeding"}),
    ("my sister is a first time mum, baby is 3 months, pure breastfeeding", set()),
]


ROUND_FIFTEEN = [
    # Round 15, one probe per kind read in unseen17 and unseen18 (bench/SAFETY.md): messages
    # mid-conversation and around a booking, and older patients and men.
    ("yes latex, I forgot to tick it", {"allergy"}),
    ("codeine doesn't agree with me", {"allergy"}),
    ("I'm allergic to plasters, I come out in hives with them", {"allergy"}),
    ("since the session I had to use my EpiPen", {"allergic_reaction"}),
    ("type 2 diagnosed last spring", {"diabetes"}),
    ("yes to sugar", {"diabetes"}),
    ("my kidneys are packing up", {"kidney_disease"}),
    ("kidneys not brilliant at the moment", {"kidney_disease"}),
    ("my kidneys are at stage 4", {"kidney_disease"}),
    ("only one of my kidneys works", {"kidney_disease"}),
    ("the lupus has spread to my kidneys", {"kidney_disease"}),
    ("my liver enzymes are raised", {"liver_disease"}),
    ("the scan says my liver is stiff", {"liver_disease"}),
    ("I was diagnosed with AF last year", {"heart_disease"}),
    ("I've had a dodgy rhythm for years", {"heart_disease"}),
    ("I had my valve replaced in 2015", {"heart_disease"}),
    ("my heart that has had two attacks", {"heart_disease"}),
    ("I'm expecting again!", {"pregnancy"}),
    ("my 12-week scan is on Friday", {"pregnancy"}),
    ("the baby still won't take a bottle", {"breastfeeding"}),
    ("I do the night feeds and he's not latching well", {"breastfeeding"}),
    ("I had a mole removed from my scalp, stitches still in", {"scalp_infection_or_lesion"}),
    ("there's a basal cell on my crown", {"scalp_infection_or_lesion"}),
    (
        "since the session the redness has spread all the way down onto my neck",
        {"infection_signs"},
    ),
    ("the spots you injected have started to smell", {"infection_signs"}),
    ("my scalp is discharging since the treatment", {"infection_signs"}),
    ("since the injections the pain is a 7 and rising", {"severe_pain"}),
    ("since the session painkillers barely take the edge off", {"severe_pain"}),
    ("the pain since the session is a 7 or 8", {"severe_pain"}),
    ("el dolor es de 9 sobre 10 desde la sesión", {"severe_pain"}),
    ("since the injections the crown has become bald", {"hair_loss_after_treatment"}),
    ("my hair has thinned since the course started", {"hair_loss_after_treatment"}),
    ("hair coming out in tufts since the session", {"hair_loss_after_treatment"}),
    ("wheezy since the injections", {"allergic_reaction"}),
    # a denial is never a term's optional word
    ("since the session my hair's not falling out", set()),
    # "my" inside the complication keeps it the patient's; "his" keeps it his
    (
        "my partner says the redness from my session has spread down my neck",
        {"infection_signs"},
    ),
    ("my husband says the pain since his injections is a 9", set()),
    ("we're both thinning on top and my sister has diabetes", set()),
    ("they had me on clopidogrel for three months, stopped now", set()),
    ("three months of rivaroxaban and done", set()),
    ("my sugar's been normal ever since", set()),
    ("the biopsy on my scalp came back benign", set()),
    ("the old man's on warfarin", set()),
    ("I'm after finding out I'm pregnant", {"pregnancy"}),
]


ROUND_SIXTEEN = [
    # Round 16, one probe per kind read in unseen19 and unseen20 (bench/SAFETY.md): an
    # everyday inbox mixing people and times, and the days after a session.
    ("surgical tape gives me blisters", {"allergy"}),
    ("I balloon up from bee stings", {"allergy"}),
    ("I'm preggy, 7 weeks", {"pregnancy"}),
    ("we're carrying twins!", {"pregnancy"}),
    ("the test has a faint second line", {"pregnancy"}),
    ("the consultant says my liver is in a bad way", {"liver_disease"}),
    ("I'll bring my breast pump if that's ok", {"breastfeeding"}),
    ("my supply drops if I miss a feed", {"breastfeeding"}),
    ("I have a sunburn on my parting from the weekend", {"scalp_infection_or_lesion"}),
    ("the GP says it's scalp acne", {"scalp_infection_or_lesion"}),
    ("the GP says it's an infected cyst on my scalp", {"scalp_infection_or_lesion"}),
    ("my eczema has flared on my scalp again", {"scalp_infection_or_lesion"}),
    ("I have a healing cut near the crown", {"scalp_infection_or_lesion"}),
    ("since the session something is coming out of the spots", {"infection_signs"}),
    ("since the injections it's smelling bad back there", {"infection_signs"}),
    ("since the session there's a hard red lump where you injected", {"infection_signs"}),
    ("is it normal for where you injected to be hot and weeping?", {"infection_signs"}),
    ("since the injection my head is paining me seriously", {"severe_pain"}),
    ("the pain since the session is serious", {"severe_pain"}),
    ("pain's been brutal since the session", {"severe_pain"}),
    ("since the treatment I'd rate it an 8", {"severe_pain"}),
    ("since the session my hair fall has doubled", {"hair_loss_after_treatment"}),
    ("since the course I can see scalp at the front", {"hair_loss_after_treatment"}),
    ("after the meso patches are showing on the crown", {"hair_loss_after_treatment"}),
    ("desde la mesoterapia me salieron zonas sin pelo", {"hair_loss_after_treatment"}),
    ("after the injection I came out in a rash over my whole body", {"allergic_reaction"}),
    ("my mum took my temperature with her thermometer after the session: 38.7", {"fever"}),
    # decoys kept out of this round
    ("a little red after, like a mild sunburn, gone by dinner", set()),
    ("period's late from stress, the test was negative", set()),
    ("biotin gives me a rash, is there biotin in your mix?", {"allergy"}),
    ("my ouma was diabetic", set()),
]


ROUND_SEVENTEEN = [
    # Round 17, one probe per kind read in unseen21 and unseen22 (bench/SAFETY.md): hair coming
    # out and pain after a session, and long-term conditions and new motherhood in ordinary life.
    ("the hair on the spot is falling out since the session", {"hair_loss_after_treatment"}),
    (
        "since the injections it comes out on my fingers in the shower",
        {"hair_loss_after_treatment"},
    ),
    ("since the session I can grab a handful any time", {"hair_loss_after_treatment"}),
    ("after the meso there's hair all over my pillow", {"hair_loss_after_treatment"}),
    ("loads of hair in the sink since the treatment", {"hair_loss_after_treatment"}),
    ("my pillow was covred in hair after the session", {"hair_loss_after_treatment"}),
    ("my parting has gone so wide since the course", {"hair_loss_after_treatment"}),
    ("since the injections my fringe is see-through", {"hair_loss_after_treatment"}),
    ("where you injected the hair is just gone", {"hair_loss_after_treatment"}),
    ("since the treatment a thin patch keeps getting bigger", {"hair_loss_after_treatment"}),
    ("after session 2 a patch on top has fallen out", {"hair_loss_after_treatment"}),
    ("since the course I've got new bald patches", {"hair_loss_after_treatment"}),
    (
        "I did my third session on Monday and now there's hair all over the pillow",
        {"hair_loss_after_treatment"},
    ),
    ("desde que me pincharon se me cae el pelo", {"hair_loss_after_treatment"}),
    ("I was sick twice from the pain after the session", {"severe_pain"}),
    ("been crying on and off all day with the pain", {"severe_pain"}),
    ("since the session it's an 8 or 9 out of 10", {"severe_pain"}),
    ("the pain since the session, I'd say a 9", {"severe_pain"}),
    ("my head is paining very badly after the injections", {"severe_pain"}),
    ("took a crocin but it's not working at all", {"severe_pain"}),
    ("the pain is unbareable", {"severe_pain"}),
    ("the headache is that bad since the injections", {"severe_pain"}),
    ("it went from sore to horrendous overnight", {"severe_pain"}),
    ("I can't turn my head since the session", {"severe_pain"}),
    ("I can't even touch my scalp since the session", {"severe_pain"}),
    ("I'm still in tears hours after the treatment", {"severe_pain"}),
    ("it hurts like mad since the injections", {"severe_pain"}),
    ("went to A&E last night because of the pain after the session", {"severe_pain"}),
    ("took paracetamol but little relief since the session", {"severe_pain"}),
    ("Mam, since the session the pain is unbearable", {"severe_pain"}),
    ("since the session there's whitish water coming out of two spots", {"infection_signs"}),
    (
        "the redness at the back was small but now has spread onto my neck",
        {"infection_signs"},
    ),
    ("they've diagnosed gestational diabetes", {"diabetes", "pregnancy"}),
    ("my sugars keep dropping at night", {"diabetes"}),
    ("I've got obstetric cholestasis", {"liver_disease"}),
    ("I have polycistic kidneys", {"kidney_disease"}),
    ("me trasplantaron un riñón", {"kidney_disease"}),
    ("bub's due in spring", {"pregnancy"}),
    ("18 weeks with twins", {"pregnancy"}),
    ("I'm still feeding the baby myself at night", {"breastfeeding"}),
    ("currently feeding baby every 3 hours", {"breastfeeding"}),
    ("we had a bad latch at first", {"breastfeeding"}),
    ("sigo dándole pecho a mi hija", {"breastfeeding"}),
    # decoys kept out of this round
    ("a few hairs came out in the brush after the session, is that normal?", set()),
    ("a bit more hair in the plughole since the session, nothing much", set()),
    ("I'm a nursing student so I need evening slots", set()),
    ("the baby's got a fever so I need to cancel", set()),
    ("babys got a cold, can we move Friday?", set()),
    ("me mam has kidney disease", set()),
    ("I want to do the session on Friday, my hair is shedding like mad", set()),
]

ROUND_EIGHTEEN = [
    # Round 18, one probe per kind read in unseen23 and unseen24 (bench/SAFETY.md): the
    # treatment placed in time as patients place it, and what the patient sees, feels and did.
    ("two weeks into the course my hair is falling out in clumps", {"hair_loss_after_treatment"}),
    ("ever since I started coming here I'm losing hair", {"hair_loss_after_treatment"}),
    ("I'm on session 3 of 8 and there's a bald patch on top", {"hair_loss_after_treatment"}),
    ("since Friday's visit clumps are coming out", {"hair_loss_after_treatment"}),
    (
        "since you did my temples the hair there is thinner than before",
        {"hair_loss_after_treatment"},
    ),
    (
        "when I got home from the clinic a clump came out in the shower",
        {"hair_loss_after_treatment"},
    ),
    ("after my 3rd lot of injections there's a bald spot", {"hair_loss_after_treatment"}),
    ("since the session my hair is falling like mad", {"hair_loss_after_treatment"}),
    ("since the treatment the hair fall is worse", {"hair_loss_after_treatment"}),
    ("since the injections it's falling in bunches", {"hair_loss_after_treatment"}),
    ("after the session way more hair in the drain than usual", {"hair_loss_after_treatment"}),
    ("since the meso I get a handful every time I brush", {"hair_loss_after_treatment"}),
    ("post treatment my hair sheds so much", {"hair_loss_after_treatment"}),
    ("since the course my temples are thinning badly", {"hair_loss_after_treatment"}),
    ("since the session there's a thin patch on my crown", {"hair_loss_after_treatment"}),
    ("since the injections I'm hoovering up hair every day", {"hair_loss_after_treatment"}),
    ("since the session my hair is cutting and falling", {"hair_loss_after_treatment"}),
    ("since the treatment the hair round the spot has come out", {"hair_loss_after_treatment"}),
    ("after the session a bald coin-sized patch appeared", {"hair_loss_after_treatment"}),
    ("after the session the floor of the bathroom is full of hair", {"hair_loss_after_treatment"}),
    ("my husband says there's a thin patch since the injections", {"hair_loss_after_treatment"}),
    ("llevo dos sesiones y la almohada llena de pelos", {"hair_loss_after_treatment"}),
    ("empecé la mesoterapia y se me está abriendo la raya", {"hair_loss_after_treatment"}),
    ("desde la sesión tengo un dolor de 8", {"severe_pain"}),
    ("desde la sesión los calmantes no me hacen nada", {"severe_pain"}),
    ("I'm on tablets for my sugar", {"diabetes"}),
    ("I'm on a renal diet", {"kidney_disease"}),
    ("a machine cleans my blood three times a week", {"kidney_disease"}),
    ("I inject in my tummy every night to stop clots", {"anticoagulants"}),
    ("my blood is kept thin with a tablet", {"anticoagulants"}),
    ("baby's kicking like mad tonight", {"pregnancy"}),
    ("I've just registered for antenatal", {"pregnancy"}),
    ("estoy de encargo", {"pregnancy"}),
    ("still on the boob at night, she's 10 months", {"breastfeeding"}),
    # decoys kept out of this round
    ("I'm on session 4 of 6 and shedding about the same as before", set()),
    ("since my session the shedding is about the same", set()),
    ("my sister did this treatment and her hair was shedding", set()),
    ("since the treatment my hair is falling so much less, thank you", set()),
]

# Every tuning round of the lexicon read some messages and closed the kinds they showed; each
# kind keeps one probe sentence in my own wording (bench/SAFETY.md names each round's table).
ROUNDS = {
    "round_two": ROUND_TWO,
    "round_three_and_four": ROUND_THREE_AND_FOUR,
    "round_six": ROUND_SIX,
    "round_eight": ROUND_EIGHT,
    "round_nine": ROUND_NINE,
    "round_ten": ROUND_TEN,
    "round_eleven": ROUND_ELEVEN,
    "round_twelve": ROUND_TWELVE,
    "round_thirteen": ROUND_THIRTEEN,
    "round_fourteen": ROUND_FOURTEEN,
    "round_fifteen": ROUND_FIFTEEN,
    "round_sixteen": ROUND_SIXTEEN,
    "round_seventeen": ROUND_SEVENTEEN,
    "round_eighteen": ROUND_EIGHTEEN,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(text, expected, id=f"{round_}: {text}")
        for round_, probes in ROUNDS.items()
        for text, expected in probes
    ],
)
def test_each_round_kinds_of_message(detector, text, expected):
    assert {m.category for m in affirmed(detector, text)} == expected


def test_non_affirmed_mentions_are_still_reported(detector):
    (mention,) = detector.detect("my mum takes warfarin")
    assert (mention.category, mention.status, mention.cue) == (
        "anticoagulants",
        "other_person",
        "my mum",
    )


def test_offsets_point_at_the_matched_words(detector):
    text = "Hi!! I'm on XARELTO 😅 and diabetic"
    for mention in detector.detect(text):
        assert text[mention.start : mention.end] == mention.text
    assert {m.text for m in detector.detect(text)} == {"XARELTO", "diabetic"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "?!.,;:" * 50,
        "Привет 你好 مرحبا pregnant",
        "x" * 10_000,
        "I'm on warfarin " * 700,
    ],
)
def test_bad_input_never_raises(detector, text):
    mentions = detector.detect(text)
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(
    ("text", "category"),
    [("I have T2DM", "diabetes"), ("I WAS DIAGNOSED WITH T2DM", "diabetes"),
     ("I CANT HAVE PENICILLIN", "allergy"), ("On Warfarin", "anticoagulants")],
)  # fmt: skip
def test_capitals_split_into_the_tokens_of_the_lower_case(detector, text, category):
    # spaCy splits "t2dm" into "t2" + "dm" but keeps "T2DM" whole: a term written in lower
    # case must still match a message in capitals.
    assert [m.category for m in affirmed(detector, text)] == [category]
    for mention in detector.detect(text):
        assert text[mention.start : mention.end] == mention.text


def test_mixed_scripts_still_find_the_english_mention(detector):
    assert [m.category for m in affirmed(detector, "Привет, I'm pregnant 你好")] == ["pregnancy"]


def test_entity_contract_for_affirmed_and_other_mentions(detector):
    affirmed, negated = detector.detect("I take Eliquis but I'm not pregnant")
    entity = mention_entity(affirmed, "SafetyFlagger")
    assert {k: entity[k] for k in ("entity", "value", "start", "end", "extractor")} == {
        "entity": "contraindication",
        "value": "anticoagulants",
        "start": 7,
        "end": 14,
        "extractor": "SafetyFlagger",
    }
    other = mention_entity(negated, "SafetyFlagger")
    assert (other["entity"], other["value"], other["role"]) == (
        "safety_mention",
        "pregnancy",
        "negated",
    )


def test_red_flag_entity_name(detector):
    (mention,) = affirmed(detector, "my lips are swollen")
    assert mention_entity(mention, "SafetyFlagger")["entity"] == "red_flag"


def test_term_syntax():
    def tokenize(text: str) -> list[str]:
        return {"won't": ["will", "not"]}.get(text, [text])

    assert compile_term("a|b ? c", tokenize) == [
        [{"NORM": {"IN": ["a", "b"]}}, {"OP": "?"}, {"NORM": "c"}]
    ]
    assert compile_term("x won't|no", tokenize) == [
        [{"NORM": "x"}, {"NORM": "will"}, {"NORM": "not"}],
        [{"NORM": "x"}, {"NORM": "no"}],
    ]
    with pytest.raises(LexiconError):
        compile_term("? ?", tokenize)
    # A class name with a digit is a class; a brace that names none is an error, not text.
    classes = {"A1C": "^5[0-9]$"}
    assert compile_term("{A1C} mmol", tokenize, classes) == [
        [{"NORM": {"REGEX": "^5[0-9]$"}}, {"NORM": "mmol"}]
    ]
    for broken in ("{a1c} mmol", "{A1C mmol", "{NOPE} mmol"):
        with pytest.raises(LexiconError):
            compile_term(broken, tokenize, classes)


def test_a_broken_lexicon_is_rejected(tmp_path: Path):
    for name in ("contraindications.yml", "red_flags.yml", "context.yml"):
        (tmp_path / name).write_text((ROOT / "data" / "safety" / name).read_text())
    (tmp_path / "red_flags.yml").write_text("- not a mapping\n")
    with pytest.raises(LexiconError):
        SafetyDetector(tmp_path)
