"""Write hf_absa's bundled sample dataset (hf_absa/sample_data) from the hand-written phrases below.

Usage, from the repository root (deterministic: the same seed writes the same bytes)::

    python examples/make_sample_data.py [--seed 13] [--out hf_absa/sample_data] [--check]

Everything here was written for hf_absa; nothing is taken from an existing dataset. The sentences come from:

- ``HANDWRITTEN``: whole review sentences for the harder cases (implicit opinions, comparisons, rhetorical
  questions, "despite", conditionals, several aspects with mixed polarities);
- ``DOMAINS``: per domain (laptops, phones, headphones, restaurants, hotels) aspect categories, each with its
  aspect terms and positive / negative / neutral predicates ("last{s} a full working day"), plus mention
  frames ("I bought this laptop mainly for the {a} ."); ``GENERIC_*`` predicates and ``OBJECT_*`` frames
  ("I cannot fault the {a} .") fit any aspect;
- ``FRAMES_*``: how one to three clauses are joined ("Although {0} , {1} .", "{0} , {1} , and {2} .").

Every list of category predicates and of mention frames is cut before any sentence is built: about a third of
its phrases are held out of train for valid and test. About half of the valid and test clauses use a held-out
predicate (wording never seen in training); the others use a training predicate or a generic phrase, but never
with an aspect it has in train, so no valid or test clause (aspect + predicate) occurs in train. The README's
counts give the exact share of test aspects with new wording.

The demo's showcase sentences (``SHOWCASE``, equal to ``DEMO_SENTENCES`` in hf_absa/commands/demo.py) are kept out of
every split: no sentence may contain a showcase clause (an aspect with the three words after it), and no
training sentence may contain both aspects of a showcase sentence or share half of its words.

Files written (UTF-8, LF): ``sample.{train,valid,test}.apc.txt`` (PyABSA's 3-line ``$T$`` format, the aspects of
one sentence on consecutive blocks in sentence order), ``sample.test.inference`` (the test split, marked with
``[B-ASP]..[E-ASP]`` and `` $LABEL$ `` gold labels) and the counts table of ``README.md`` (between the
``<!-- counts -->`` markers). ``--check`` writes nothing and fails if the files differ from what would be written.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SPLITS = ("train", "valid", "test")
# Share of each list of category predicates and mention frames held out for valid and test; see split_phrases.
VALID_SHARE, TEST_SHARE = 0.14, 0.22
# Aspects per split; the hand-written sentences count towards them.
TARGET_ASPECTS = {"train": 1230, "valid": 250, "test": 370}
# How many aspects a generated sentence has, and the label of each generated aspect.
ASPECTS_PER_SENTENCE = {1: 0.52, 2: 0.34, 3: 0.14}
LABEL_WEIGHTS = {"Positive": 0.47, "Negative": 0.33, "Neutral": 0.20}
# A (aspect, predicate) clause is used at most this often per split, so no clause dominates.
MAX_CLAUSE_USES = 2
# A generic predicate or object frame is used at most once per this many aspects of a split.
ASPECTS_PER_GENERIC_USE = 90
# How often a valid / test clause takes one of its split's held-out predicates (else a training predicate,
# with an aspect it never has in train).
HELD_OUT_USE = 0.5

# Equal to DEMO_SENTENCES in hf_absa/commands/demo.py (tests/test_sample_data.py checks; not imported, so that this
# script does not depend on where the demo module lives).
SHOWCASE = [
    "The [B-ASP]battery life[E-ASP] is superb, but the [B-ASP]keyboard[E-ASP] feels cheap.",
    "The [B-ASP]pasta[E-ASP] was delicious, although the [B-ASP]service[E-ASP] was painfully slow.",
]

# ---------------------------------------------------------------------------------------------------------------
# Hand-written sentences: aspects marked, gold labels after $LABEL$ in aspect order.
HANDWRITTEN = """
I expected more from the [B-ASP]battery[E-ASP] , given what the adverts promised . $LABEL$ Negative
If the [B-ASP]fans[E-ASP] were quieter , this would be the perfect laptop . $LABEL$ Negative
Neither the [B-ASP]speakers[E-ASP] nor the [B-ASP]webcam[E-ASP] is anything to write home about . $LABEL$ Negative, Negative
The [B-ASP]screen[E-ASP] is not the brightest I have seen , but the [B-ASP]colours[E-ASP] are spot on . $LABEL$ Negative, Positive
I returned it after a week because of the [B-ASP]trackpad[E-ASP] . $LABEL$ Negative
It took ten minutes to set up the [B-ASP]fingerprint reader[E-ASP] and the [B-ASP]docking station[E-ASP] . $LABEL$ Neutral, Neutral
For the [B-ASP]price[E-ASP] , I really cannot complain . $LABEL$ Positive
Compared with my previous laptop , the [B-ASP]boot time[E-ASP] is night and day . $LABEL$ Positive
Nobody in the office has anything bad to say about the [B-ASP]battery life[E-ASP] . $LABEL$ Positive
The [B-ASP]charger[E-ASP] is bulky , and I wish the [B-ASP]power button[E-ASP] were not right next to delete . $LABEL$ Negative, Negative
I mostly use it for [B-ASP]spreadsheets[E-ASP] and [B-ASP]email[E-ASP] . $LABEL$ Neutral, Neutral
The [B-ASP]display[E-ASP] makes everything else about this laptop forgivable . $LABEL$ Positive
There is nothing wrong with the [B-ASP]performance[E-ASP] , but the [B-ASP]fan noise[E-ASP] drives me mad . $LABEL$ Positive, Negative
After the update , the [B-ASP]Wi-Fi card[E-ASP] drops the connection every few minutes . $LABEL$ Negative
The [B-ASP]SSD[E-ASP] is 512 GB and can be swapped for a bigger one . $LABEL$ Neutral
Who designs a [B-ASP]charging port[E-ASP] that wobbles after a month ? $LABEL$ Negative
Setting up [B-ASP]Windows[E-ASP] took an hour , and the [B-ASP]recovery drive[E-ASP] was missing from the box . $LABEL$ Negative, Negative
Despite the low price , the [B-ASP]build quality[E-ASP] is excellent . $LABEL$ Positive
I had to restart the [B-ASP]laptop[E-ASP] three times before the [B-ASP]webcam[E-ASP] was recognised . $LABEL$ Negative, Negative
The [B-ASP]laptop[E-ASP] came with a [B-ASP]USB-C charger[E-ASP] , which died within a week . $LABEL$ Neutral, Negative
I chose the smaller [B-ASP]model[E-ASP] for the [B-ASP]weight[E-ASP] , and it is light enough to forget it is in my bag . $LABEL$ Neutral, Positive
The [B-ASP]keyboard[E-ASP] takes a little getting used to , but after a week I type faster than ever . $LABEL$ Positive
The [B-ASP]manual[E-ASP] explains every setting clearly . $LABEL$ Positive
The [B-ASP]lid[E-ASP] opens with one finger , and the [B-ASP]hinge[E-ASP] holds the screen steady on a train . $LABEL$ Positive, Positive
The [B-ASP]camera[E-ASP] is not as good as on my old phone , but the [B-ASP]battery[E-ASP] is a big step up . $LABEL$ Negative, Positive
I have dropped it twice and the [B-ASP]screen[E-ASP] still does not have a scratch . $LABEL$ Positive
The [B-ASP]face unlock[E-ASP] works fine , though I still use the [B-ASP]fingerprint sensor[E-ASP] more . $LABEL$ Positive, Neutral
The [B-ASP]eSIM[E-ASP] was activated by the shop . $LABEL$ Neutral
If only the [B-ASP]updates[E-ASP] came as quickly as on my old phone . $LABEL$ Negative
It is a shame about the [B-ASP]headphone jack[E-ASP] . $LABEL$ Negative
My husband uses the [B-ASP]dual SIM[E-ASP] for his work and home numbers . $LABEL$ Neutral
The [B-ASP]vibration motor[E-ASP] buzzes like a cheap toy . $LABEL$ Negative
Not once has the [B-ASP]GPS[E-ASP] lost me in the city centre . $LABEL$ Positive
The [B-ASP]storage[E-ASP] fills up quickly , and there is no [B-ASP]memory card slot[E-ASP] . $LABEL$ Negative, Negative
Both [B-ASP]5G[E-ASP] and [B-ASP]Wi-Fi 7[E-ASP] are supported . $LABEL$ Neutral, Neutral
The [B-ASP]zoom lens[E-ASP] is the only reason I would recommend this phone . $LABEL$ Positive
Moving my [B-ASP]contacts[E-ASP] over was painless , but the [B-ASP]photo backup[E-ASP] failed twice . $LABEL$ Positive, Negative
The [B-ASP]always-on display[E-ASP] is off by default . $LABEL$ Neutral
I cannot fault the [B-ASP]call quality[E-ASP] . $LABEL$ Positive
The [B-ASP]voice assistant[E-ASP] misunderstands almost everything I say . $LABEL$ Negative
The [B-ASP]camera bump[E-ASP] makes the phone wobble on a table , the [B-ASP]screen[E-ASP] is stunning , and the [B-ASP]charger[E-ASP] is sold separately . $LABEL$ Negative, Positive, Neutral
The [B-ASP]phone[E-ASP] ships with a [B-ASP]case[E-ASP] that turned yellow within a month . $LABEL$ Neutral, Negative
The [B-ASP]screen[E-ASP] beats anything else in this price range . $LABEL$ Positive
I expected better [B-ASP]noise cancellation[E-ASP] at this price . $LABEL$ Negative
The [B-ASP]bass[E-ASP] is never overpowering , which I appreciate . $LABEL$ Positive
My ears never hurt , even after a full day with the [B-ASP]ear pads[E-ASP] on . $LABEL$ Positive
They came with a [B-ASP]carrying pouch[E-ASP] and a [B-ASP]USB-C cable[E-ASP] . $LABEL$ Neutral, Neutral
The [B-ASP]transparency mode[E-ASP] sounds natural , whereas the [B-ASP]wind noise reduction[E-ASP] does next to nothing . $LABEL$ Positive, Negative
I listen mostly to [B-ASP]podcasts[E-ASP] on the way to work . $LABEL$ Neutral
Why the [B-ASP]auto-pause[E-ASP] kicks in whenever I scratch my ear is beyond me . $LABEL$ Negative
The [B-ASP]firmware update[E-ASP] finally fixed the pairing problems . $LABEL$ Positive
The [B-ASP]earbuds[E-ASP] fall out whenever I go for a run . $LABEL$ Negative
Switching between my phone and laptop with [B-ASP]multipoint[E-ASP] just works . $LABEL$ Positive
I was worried about the [B-ASP]fit[E-ASP] , but they stay put even on the treadmill . $LABEL$ Positive
The [B-ASP]earbuds[E-ASP] come in three colours , but the [B-ASP]ear tips[E-ASP] only come in one size . $LABEL$ Neutral, Negative
The [B-ASP]noise cancelling[E-ASP] is so good that I missed my stop twice . $LABEL$ Positive
We waited forty minutes for our [B-ASP]starters[E-ASP] . $LABEL$ Negative
I would go back for the [B-ASP]carbonara[E-ASP] alone . $LABEL$ Positive
We ordered the [B-ASP]tasting menu[E-ASP] and a bottle of [B-ASP]Rioja[E-ASP] . $LABEL$ Neutral, Neutral
The [B-ASP]fries[E-ASP] were not crispy , and the [B-ASP]ketchup[E-ASP] came in little paper cups . $LABEL$ Negative, Neutral
Not a single dish disappointed , and the [B-ASP]sommelier[E-ASP] knew his stuff . $LABEL$ Positive
Do not leave without trying the [B-ASP]pistachio ice cream[E-ASP] . $LABEL$ Positive
The [B-ASP]noise level[E-ASP] made conversation impossible . $LABEL$ Negative
There was nothing special about the [B-ASP]pizza[E-ASP] , and the [B-ASP]salad[E-ASP] was drowning in dressing . $LABEL$ Negative, Negative
The [B-ASP]terrace[E-ASP] faces the harbour . $LABEL$ Neutral
The [B-ASP]staff[E-ASP] could not have been kinder to our toddler . $LABEL$ Positive
The [B-ASP]dumplings[E-ASP] were good , but the [B-ASP]noodles[E-ASP] were better still . $LABEL$ Positive, Positive
They do not take [B-ASP]reservations[E-ASP] for groups under six . $LABEL$ Neutral
I have had better [B-ASP]sushi[E-ASP] from the supermarket . $LABEL$ Negative
The [B-ASP]vegetarian options[E-ASP] go far beyond the usual mushroom risotto . $LABEL$ Positive
The [B-ASP]kitchen[E-ASP] closes at ten on weekdays . $LABEL$ Neutral
Our [B-ASP]waiter[E-ASP] spilled wine on my jacket and did not even apologise . $LABEL$ Negative
The [B-ASP]lemon tart[E-ASP] was so good that we ordered a second one . $LABEL$ Positive
I am still thinking about the [B-ASP]lamb shoulder[E-ASP] a week later . $LABEL$ Positive
We had the [B-ASP]set lunch[E-ASP] , and the [B-ASP]soup[E-ASP] was the best part of it . $LABEL$ Neutral, Positive
The [B-ASP]pizza[E-ASP] here is nothing like the one in Naples . $LABEL$ Negative
Their [B-ASP]coffee[E-ASP] is better than in most specialist cafes in town . $LABEL$ Positive
The [B-ASP]host[E-ASP] was charming and the [B-ASP]cocktails[E-ASP] were inventive , but the [B-ASP]mains[E-ASP] felt like an afterthought . $LABEL$ Positive, Positive, Negative
Despite the hype , the [B-ASP]burger[E-ASP] was dry . $LABEL$ Negative
There was hardly any [B-ASP]parking[E-ASP] , but the [B-ASP]staff[E-ASP] found us a space behind the kitchen . $LABEL$ Negative, Positive
The [B-ASP]bill[E-ASP] arrived before we had finished our [B-ASP]dessert[E-ASP] . $LABEL$ Negative, Neutral
We would stay here again just for the [B-ASP]breakfast[E-ASP] . $LABEL$ Positive
The [B-ASP]air conditioning[E-ASP] either roared or did nothing at all . $LABEL$ Negative
The [B-ASP]minibar[E-ASP] was stocked with water and soft drinks . $LABEL$ Neutral
The [B-ASP]shuttle bus[E-ASP] to the airport leaves every half hour . $LABEL$ Neutral
Nobody at the [B-ASP]reception[E-ASP] seemed to know where our booking had gone . $LABEL$ Negative
The [B-ASP]rooftop bar[E-ASP] alone makes the hotel worth it , even if the [B-ASP]cocktails[E-ASP] are overpriced . $LABEL$ Positive, Negative
Our [B-ASP]balcony[E-ASP] looked straight onto the lift shaft . $LABEL$ Negative
The [B-ASP]toiletries[E-ASP] were from a local brand . $LABEL$ Neutral
I have never slept better than on that [B-ASP]mattress[E-ASP] . $LABEL$ Positive
The [B-ASP]lift[E-ASP] was out of order for three days , and we were on the sixth floor . $LABEL$ Negative
The [B-ASP]hotel restaurant[E-ASP] is open to non-guests . $LABEL$ Neutral
The [B-ASP]kids club[E-ASP] kept our children busy and happy all week . $LABEL$ Positive
We paid extra for a [B-ASP]sea view[E-ASP] and got a view of the bins . $LABEL$ Negative
The [B-ASP]heating[E-ASP] could not be turned down , so we slept with the window open . $LABEL$ Negative
The [B-ASP]night porter[E-ASP] let us in at two in the morning with a smile . $LABEL$ Positive
The [B-ASP]room service[E-ASP] menu was short , but the [B-ASP]club sandwich[E-ASP] hit the spot . $LABEL$ Negative, Positive
The [B-ASP]city tax[E-ASP] is paid at the desk on arrival . $LABEL$ Neutral
The [B-ASP]rooms[E-ASP] look nothing like the photos on the website . $LABEL$ Negative
The [B-ASP]gym[E-ASP] has two treadmills , the [B-ASP]sauna[E-ASP] was cold , and the [B-ASP]pool[E-ASP] was lovely . $LABEL$ Neutral, Negative, Positive
We booked the [B-ASP]family room[E-ASP] through a travel agent , and the [B-ASP]cots[E-ASP] were already set up when we arrived . $LABEL$ Neutral, Positive
The [B-ASP]receptionist[E-ASP] remembered our names from last year . $LABEL$ Positive
The [B-ASP]spa[E-ASP] costs extra , and you have to book it a day ahead . $LABEL$ Neutral
"""

# ---------------------------------------------------------------------------------------------------------------
# Predicates: {is} {was} {has} {does} agree with the aspect (is/are ...), {s} is a verb's third-person -s,
# {es} its -es, {it} {its} are it/they, its/their, {be} is is/are or was/were after the domain's tense, and
# {could} is "could not be" or "could not have been".
# An aspect ending in "+" is plural; one ending in "*" is only used with opinions (no neutral predicate fits).

GENERIC_POSITIVE = """
{be} excellent
{be} superb
{be} fantastic
{be} exceptional
{be} wonderful
{be} a real highlight
{be} better than I expected
{be} great
{be} top notch
{be} impressive
{be} hard to fault
{be} not bad at all
{be} nothing short of brilliant
{be} a pleasant surprise
{be} first class
{be} simply perfect
{be} a joy
{be} really well done
{be} faultless
{be} never a problem
{be} not disappointing in the slightest
{be} anything but average
{be} far better than the reviews suggested
{could} better
{be} no trouble at all
{be} nothing to worry about
"""

GENERIC_NEGATIVE = """
{be} disappointing
{be} a letdown
{be} terrible
{be} poor
{be} awful
{be} mediocre at best
{be} a real weak point
{be} not good enough
{be} far from acceptable
{be} worse than I expected
{be} frankly embarrassing
{be} nowhere near as good as advertised
{be} subpar
{be} underwhelming
{be} a complete mess
{be} not up to scratch
{be} a big disappointment
{be} hard to live with
{be} not great
{be} nothing special
{be} far from good
{be} not what I hoped for
{be} no better than average
{be} not impressive at all
{be} a let-down from day one
{be} the worst part
"""

# Whole clauses with the aspect as object, in the first person.
OBJECT_POSITIVE = """
I love the {a}
I really like the {a}
I cannot say enough good things about the {a}
I have no complaints about the {a}
I am very happy with the {a}
I cannot fault the {a}
I was blown away by the {a}
I would happily recommend it for the {a}
full marks for the {a}
there is a lot to like about the {a}
I was not disappointed by the {a}
I have nothing bad to say about the {a}
I never had a problem with the {a}
nobody could complain about the {a}
I have no regrets about the {a}
"""

OBJECT_NEGATIVE = """
I hate the {a}
I am not impressed by the {a}
I really dislike the {a}
I do not like the {a} at all
I have nothing good to say about the {a}
I would not recommend it for the {a}
I was let down by the {a}
there is nothing to like about the {a}
zero stars for the {a}
I wish I had known about the {a} before buying
I was not impressed with the {a}
I cannot recommend the {a}
I am not happy with the {a}
I have had nothing but trouble with the {a}
one star for the {a}
I was never satisfied with the {a}
"""

# Sentence openers for a sentence's first clause: any opinion, or only one label.
OPENERS_ANY = ["Honestly , ", "Overall , ", "In my experience , ", "To be honest , ", "All in all , "]
OPENERS = {
    "Positive": ["Happily , ", "Thankfully , ", "To my surprise , ", "I have to say , "],
    "Negative": ["Sadly , ", "Unfortunately , ", "To my disappointment , ", "I have to say , "],
    "Neutral": ["For what it is worth , ", "Just so you know , ", "In case anyone is wondering , ",
                "As far as I can tell , "],
}
DOMAIN_OPENERS = {
    "laptops": ["After a month of daily use , ", "On this laptop , "],
    "phones": ["After two weeks with this phone , ", "On this phone , "],
    "headphones": ["After a month of commuting , ", "On these headphones , "],
    "restaurants": ["On our last visit , ", "At dinner on Saturday , "],
    "hotels": ["During our stay , ", "On our first night , "],
}

# Ways of joining clauses {0} {1} {2}: FRAMES_SAME (same label), FRAMES_CONTRAST (Positive vs Negative),
# FRAMES_MIXED (one Neutral), FRAMES_LIST3 (any labels), FRAMES_CONTRAST3 ({0} {1} against {2}).
FRAMES_SAME = ["{0} and {1} .", "{0} , and {1} .", "{0} , and on top of that {1} .", "{0} ; {1} , too ."]
FRAMES_CONTRAST = [
    "{0} , but {1} .", "Although {0} , {1} .", "{0} , although {1} .", "While {0} , {1} .",
    "{0} ; however , {1} .", "{0} , whereas {1} .", "{0} , yet {1} .", "{0} ; on the other hand , {1} .",
    "{0} , though {1} .", "Even though {0} , {1} .",
]
FRAMES_MIXED = ["{0} and {1} .", "{0} , and {1} .", "{0} ; {1} .", "{0} , while {1} ."]
FRAMES_LIST3 = ["{0} , {1} , and {2} .", "{0} , {1} and {2} .", "{0} ; {1} ; and {2} ."]
FRAMES_CONTRAST3 = ["{0} and {1} , but {2} .", "{0} , {1} , but {2} .", "Although {0} and {1} , {2} ."]
# Two aspects sharing one generic predicate ("Both the screen and the speakers are excellent .").
FRAMES_SHARED = ["Both the {0} and the {1} {p} .", "The {0} and the {1} {p} ."]


@dataclass
class Category:
    """Aspect terms that share predicates; the predicate lists are one phrase per line."""

    aspects: str
    positive: str
    negative: str
    neutral: str = ""


@dataclass
class Domain:
    tense: str  # "present" or "past": what {be} becomes
    mentions: str  # neutral mention frames with {a}, one per line
    categories: dict[str, Category] = field(default_factory=dict)


DOMAINS: dict[str, Domain] = {
    "laptops": Domain(
        tense="present",
        mentions="""
            I bought this laptop mainly for the {a} .
            The first thing I looked at in the shop was the {a} .
            I have not had a chance to test the {a} properly yet .
            The reviews I read said a lot about the {a} .
            I asked the salesperson about the {a} before buying .
            My colleague has the same laptop with a different {a} .
            The spec sheet describes the {a} on its first page .
        """,
        categories={
            "battery": Category(
                "battery, battery life",
                """
                last{s} a full working day
                easily get{s} me through a long-haul flight
                {is} still above half at the end of my lectures
                hold{s} up well even with the screen at full brightness
                comfortably cover{s} two days of light use
                never leave{s} me hunting for a socket
                {is} no longer something I worry about
                {is} better than on any laptop I have owned
                """,
                """
                die{s} before lunch
                drain{s} quickly even while the lid is closed
                barely survive{s} a two-hour meeting
                fall{s} far short of the advertised ten hours
                {has} halved within a year
                {is} a constant worry on business trips
                """,
                """
                {is} rated at 72 watt-hours
                charge{s} over USB-C
                {is} quoted as ten hours on the box
                can be checked from the taskbar
                """,
            ),
            "keyboard": Category(
                "keyboard, keys+",
                """
                {is} a pleasure to type on
                feel{s} crisp and responsive
                {is} quiet enough for meetings
                {has} a satisfying amount of travel
                never feel{s} mushy , even after hours of typing
                {does} not flex , even when I type hard
                """,
                """
                feel{s} mushy and imprecise
                rattle{s} with every keystroke
                {is} cramped for anyone with large hands
                started sticking after a few weeks
                {is} too shallow for long writing sessions
                """,
                """
                use{s} a UK layout
                {has} a white backlight
                {is} the same as on the previous model
                """,
            ),
            "screen": Category(
                "screen, display",
                """
                {is} bright and sharp
                show{s} rich , accurate colours
                {is} easy on the eyes after a long day
                stay{s} readable even in direct sunlight
                make{s} films look fantastic
                {has} no visible glare , even by a window
                """,
                """
                {is} dim and washed out
                reflect{s} every lamp in the room
                {has} obvious backlight bleed in the corners
                look{s} grainy next to my phone
                flicker{s} at low brightness
                """,
                """
                {is} 14 inches with a 16:10 ratio
                use{s} an IPS panel
                run{s} at 60 Hz
                can fold back flat on the desk
                """,
            ),
            "performance": Category(
                "processor, chip, performance*",
                """
                handle{s} huge spreadsheets without a hiccup
                {is} fast enough for 4K video editing
                never slow{s} down , even with dozens of tabs open
                make{s} short work of compiling large projects
                {is} snappy in everything I do
                never make{s} me wait
                """,
                """
                struggle{s} with more than a few browser tabs
                stutter{s} during simple video calls
                {is} sluggish even for basic office work
                throttle{s} as soon as the laptop warms up
                """,
                """
                {is} the same as in the previous generation
                can be switched to a quiet mode in the settings
                {is} an eight-core design from last year
                """,
            ),
            "build": Category(
                "chassis, lid, hinge, build quality*",
                """
                feel{s} solid and premium
                {does} not flex at all
                survived a fall from my desk without a scratch
                {is} sturdy without adding much weight
                """,
                """
                feel{s} cheap
                creak{s} when I pick the laptop up
                {is} already coming loose after a month
                pick{s} up scratches far too easily
                wobble{s} every time I type
                """,
                """
                {is} made of recycled aluminium
                come{s} in silver or dark grey
                {is} the same as on the larger model
                """,
            ),
            "trackpad": Category(
                "trackpad, touchpad",
                """
                {is} large and precise
                handle{s} gestures flawlessly
                {is} the best I have used on a Windows laptop
                track{s} smoothly without any lag
                never get{s} confused by my palm
                """,
                """
                register{s} phantom clicks
                {is} jumpy and imprecise
                {is} tiny and off-centre
                keep{s} mistaking my palm for a finger
                """,
                """
                {is} made of glass
                sit{s} slightly to the left of centre
                support{s} four-finger gestures
                """,
            ),
            "cooling": Category(
                "fans+, cooling system",
                """
                stay{s} quiet under heavy load
                keep{s} the laptop cool during long renders
                {is} barely audible when browsing
                never let{s} the laptop get hot
                {is} silent , with no whine at all
                """,
                """
                whine{s} constantly , even when idle
                {is} loud enough to hear across the room
                let{s} the keyboard get uncomfortably hot
                spin{s} up for no reason at all
                """,
                """
                vent{s} through the back edge
                can be set to a silent profile
                """,
            ),
            "ports": Category(
                "ports+, port selection*",
                """
                cover{s} everything I need without a dongle
                {is} generous for such a thin machine
                {is} well placed on both sides
                """,
                """
                {is} too limited for a work laptop
                {is} awkwardly placed at the back
                force{s} me to carry a bag of adapters
                """,
                """
                {is} all on the left side
                include{s} HDMI and an SD card slot
                {is} labelled with small icons
                """,
            ),
            "speakers": Category(
                "speakers+, sound*",
                """
                {is} surprisingly full for such a thin machine
                {is} loud and clear
                {is} good enough for films without headphones
                """,
                """
                sound{s} tinny and hollow
                distort{s} at high volume
                {is} muffled when the laptop is on my lap
                """,
                """
                {is} under the front edge
                fire{s} upwards on either side of the keyboard
                """,
            ),
            "price": Category(
                "price",
                """
                {is} very fair for the specs
                {is} hard to beat in this class
                {is} reasonable for everything you get
                """,
                """
                {is} steep for what you get
                {is} hard to justify with only 8 GB of memory
                {is} far too high for a mid-range machine
                """,
                """
                {was} 899 euros in the spring sale
                include{s} a one-year warranty
                {is} the same in every colour
                """,
            ),
            "webcam": Category(
                "webcam",
                """
                {is} sharp enough for client calls
                handle{s} dim rooms surprisingly well
                make{s} me look presentable even at night
                """,
                """
                {is} grainy even in daylight
                make{s} everyone look washed out
                turn{s} any room into a dark blur
                """,
                """
                sit{s} above the screen
                {has} a physical privacy shutter
                record{s} in 1080p
                """,
            ),
            "software": Category(
                "software, preinstalled software",
                """
                {is} clean , with no bloatware
                run{s} smoothly and stay{s} out of the way
                {is} refreshingly free of pop-ups
                """,
                """
                {is} full of trial apps and pop-ups
                nag{s} me to sign up for subscriptions
                slow{s} the whole laptop down at start-up
                """,
                """
                {is} updated automatically overnight
                include{s} a 30-day office trial
                """,
            ),
            "support": Category(
                "customer support, customer service",
                """
                replaced my charger within two days
                sorted out my warranty claim quickly
                {was} patient and genuinely helpful
                """,
                """
                kept me on hold for an hour
                never answered my emails
                blamed me for a faulty hinge
                """,
                """
                can be reached by chat or phone
                {is} open on weekdays only
                """,
            ),
        },
    ),
    "phones": Domain(
        tense="present",
        mentions="""
            I bought this phone mainly for the {a} .
            I switched from my old phone because of the {a} .
            The shop assistant spent a while explaining the {a} .
            I have not tried the {a} much so far .
            Most reviews of this phone focus on the {a} .
            My daughter asked me about the {a} yesterday .
        """,
        categories={
            "battery": Category(
                "battery, battery life*",
                """
                easily last{s} until bedtime
                get{s} me through two days of moderate use
                {is} a huge step up from my old phone
                still {has} plenty left after a day of navigation
                """,
                """
                {is} empty by mid-afternoon
                drain{s} fast whenever I use the camera
                barely last{s} a day
                {has} got worse with every update
                """,
                """
                {is} 5000 mAh
                can be limited to 80 percent in the settings
                {is} not removable
                """,
            ),
            "screen": Category(
                "screen, display",
                """
                {is} vivid and smooth at 120 Hz
                {is} bright enough to read in full sun
                show{s} deep blacks and punchy colours
                {is} a joy for reading on the bus
                """,
                """
                {has} a green tint at low brightness
                pick{s} up scratches within days
                {is} hard to read outdoors
                register{s} touches that I never made
                """,
                """
                {is} 6.1 inches
                {has} a small hole-punch cutout
                use{s} an OLED panel
                """,
            ),
            "camera": Category(
                "camera, main camera, selfie camera, night mode*, portrait mode*",
                """
                take{s} sharp , natural photos
                handle{s} low light remarkably well
                {is} quick to focus
                never blur{s} moving kids
                produce{s} photos that look great on a big screen
                """,
                """
                oversharpen{s} everything
                produce{s} noisy pictures indoors
                {is} slow to focus on moving kids
                smooth{s} out faces until they look like wax
                """,
                """
                {is} 50 megapixels
                sit{s} in a bump on the back
                {is} the same sensor as last year
                """,
            ),
            "performance": Category(
                "processor, chip, performance*",
                """
                {is} fast in everything , from games to editing video
                never stutter{s} , even in heavy games
                open{s} apps instantly
                never lag{s} , not even with dozens of apps open
                """,
                """
                lag{s} when switching between apps
                heat{s} up during short games
                {is} slower than my three-year-old phone
                """,
                """
                {is} paired with 8 GB of RAM
                {is} the same as in the Pro model
                {is} made by Qualcomm
                """,
            ),
            "software": Category(
                "software, interface",
                """
                {is} clean and free of bloat
                feel{s} fast and polished
                {is} easy to customise
                """,
                """
                {is} full of duplicate apps and ads
                {is} not as smooth as the adverts make out
                feel{s} buggy and unfinished
                keep{s} resetting my settings
                """,
                """
                {is} based on Android 15
                {has} a dark mode and a one-handed mode
                """,
            ),
            "design": Category(
                "frame, glass back, design*, build quality*",
                """
                feel{s} sturdy and premium in the hand
                {is} slim without being fragile
                shrug{s} off drops and scratches
                {has} a matte finish that hides fingerprints
                """,
                """
                {is} a fingerprint magnet
                feel{s} slippery and fragile
                cracked after a short fall onto carpet
                """,
                """
                {is} made of aluminium
                come{s} in four colours
                {is} slightly curved at the edges
                """,
            ),
            "price": Category(
                "price",
                """
                {is} fair for a phone this capable
                {is} a bargain compared to the flagships
                {is} low for what you get
                """,
                """
                {is} way too high for a mid-range phone
                {is} hard to swallow without a charger in the box
                {is} simply not worth it
                """,
                """
                {was} 499 euros at launch
                {is} the same with or without a contract
                """,
            ),
            "unlock": Category(
                "fingerprint sensor, face unlock",
                """
                work{s} instantly every time
                {is} fast and reliable
                never make{s} me try twice
                """,
                """
                fail{s} half the time
                rarely work{s} on the first try
                {is} slow and unreliable
                """,
                """
                can be turned off in the security settings
                {is} set up when you first start the phone
                """,
            ),
            "speakers": Category(
                "speakers+",
                """
                {is} surprisingly loud for such a slim phone
                sound{s} rich and balanced
                """,
                """
                sound{s} tinny at any volume
                crackle{s} at full volume
                """,
                """
                {is} at the bottom edge and above the screen
                {is} stereo
                """,
            ),
            "charging": Category(
                "charging, charger, wireless charging",
                """
                {is} fast enough to fill the battery during breakfast
                work{s} reliably every night
                top{s} the phone up in minutes
                """,
                """
                make{s} the phone uncomfortably hot
                keep{s} stopping and starting
                {is} painfully slow
                """,
                """
                {is} rated at 45 watts
                use{s} the Qi standard
                """,
            ),
            "signal": Category(
                "signal, reception, call quality*",
                """
                {is} strong even in the basement
                {is} crisp and clear on every call
                """,
                """
                drop{s} out in my own kitchen
                {is} patchy on the train
                """,
                """
                switch{es} between 4G and 5G automatically
                {is} shown in the top corner
                """,
            ),
        },
    ),
    "headphones": Domain(
        tense="present",
        mentions="""
            I bought these headphones mainly for the {a} .
            I compared several models before buying , mostly for the {a} .
            The box makes a big deal of the {a} .
            I have not played with the {a} much yet .
            A friend asked me about the {a} last week .
            The product page has a whole section on the {a} .
        """,
        categories={
            "sound": Category(
                "sound, bass, vocals+, sound quality*",
                """
                {is} warm and detailed
                {has} real punch without muddying the mix
                {is} clear at any volume
                impress{es} me every time I put them on
                """,
                """
                {is} muddy and congested
                sound{s} thin and harsh
                {is} boomy and overwhelming
                {is} worse than my old cheap earbuds
                {is} not nearly as clear as I hoped
                """,
                """
                can be adjusted in the app
                {is} tuned with a preset called Studio
                """,
            ),
            "anc": Category(
                "noise cancellation, noise cancelling",
                """
                silence{s} office chatter almost completely
                work{s} wonders on the train
                take{s} the edge off engine noise on flights
                """,
                """
                barely reduce{s} low rumble
                produce{s} a faint hiss in quiet rooms
                {is} no match for a busy street
                """,
                """
                can be switched off with a long press
                {has} three levels
                {is} controlled from the left ear cup
                """,
            ),
            "comfort": Category(
                "ear pads+, ear cushions+, headband, fit*, comfort*",
                """
                stay{s} comfortable through a whole workday
                {is} soft and light on the head
                never press{es} on my glasses
                never cause{s} any ear ache
                """,
                """
                get{s} sweaty after half an hour
                {is} too tight for people with glasses
                started flaking after six months
                """,
                """
                {is} replaceable
                {is} made of memory foam
                fold{s} flat for travel
                """,
            ),
            "battery": Category(
                "battery, battery life*",
                """
                last{s} a whole week of commuting
                hold{s} up even with noise cancelling on
                {is} more than enough for a long flight
                """,
                """
                barely last{s} a single flight
                die{s} without any warning
                {has} faded badly after a year
                """,
                """
                {is} quoted at thirty hours
                charge{s} over USB-C
                """,
            ),
            "mic": Category(
                "mic, microphone, call quality*",
                """
                pick{s} up my voice clearly even in a busy cafe
                {is} good enough for work calls
                """,
                """
                make{s} me sound like I am in a tunnel
                pick{s} up every bit of wind noise
                """,
                """
                {is} on the left ear cup
                can be muted with a double tap
                """,
            ),
            "connection": Category(
                "Bluetooth connection, connection, pairing",
                """
                {is} rock solid , even two rooms away
                {is} quick and painless
                """,
                """
                stutter{s} whenever I walk away from my laptop
                drop{s} out on busy streets
                """,
                """
                use{s} Bluetooth 5.3
                {is} handled through the app
                """,
            ),
            "app": Category(
                "app, companion app",
                """
                {is} simple and well designed
                make{s} it easy to tweak the sound
                """,
                """
                {is} clunky and keeps asking me to log in
                crash{es} every time I open the equaliser
                """,
                """
                {is} available for Android and iPhone
                {is} needed for firmware updates
                """,
            ),
            "controls": Category(
                "controls+, touch controls+, buttons+",
                """
                respond{s} reliably
                {is} easy to find without looking
                """,
                """
                {is} far too sensitive
                {is} confusing and poorly labelled
                """,
                """
                {is} on the right ear cup
                can be remapped in the app
                """,
            ),
            "case": Category(
                "charging case, case",
                """
                {is} small enough for a jeans pocket
                snap{s} shut with a satisfying click
                """,
                """
                scratch{es} the moment you look at it
                {has} a hinge that snapped after a month
                """,
                """
                charge{s} wirelessly
                {has} a small status light
                """,
            ),
            "price": Category(
                "price",
                """
                {is} fair for the sound you get
                {is} a steal in the sales
                """,
                """
                {is} hard to justify when cheaper models sound just as good
                {is} too high for what is in the box
                """,
                """
                {was} 249 euros at launch
                include{s} a two-year warranty
                """,
            ),
        },
    ),
    "restaurants": Domain(
        tense="past",
        mentions="""
            We went there for the {a} .
            I had read about the {a} before our visit .
            We asked the waiter about the {a} .
            My sister chose the place because of the {a} .
            We did not try the {a} this time .
            Their website mentioned the {a} .
        """,
        categories={
            "mains": Category(
                "pasta, risotto, steak, burger, fish, lamb, gnocchi+, fish tacos+, chicken curry, seafood platter",
                """
                {was} cooked to perfection
                {was} full of flavour
                tasted fresh and clearly homemade
                {was} the best I have had in years
                {was} generous and beautifully presented
                {was} seasoned just right
                {was} not too heavy , just right
                left nothing to complain about
                """,
                """
                {was} bland and overcooked
                {was} not as good as last time
                tasted of nothing much
                arrived lukewarm
                {was} swimming in oil
                tasted like {it} had been reheated
                {was} dry and fell apart
                {was} far too salty to finish
                """,
                """
                came with a side salad
                {was} the special of the day
                {was} served on a wooden board
                {was} recommended by the waiter
                {was} on the lunch menu
                """,
            ),
            "desserts": Category(
                "tiramisu, cheesecake, desserts+, chocolate cake, panna cotta",
                """
                {was} rich but not too sweet
                {was} worth the trip alone
                {was} light and delicious
                """,
                """
                {was} dry and tasted stale
                {was} far too sweet
                {was} clearly from a supermarket
                """,
                """
                {was} shared between the four of us
                came with a scoop of ice cream
                {was} ordered to take away
                """,
            ),
            "drinks": Category(
                "house wine, cocktails+, coffee, espresso, lemonade",
                """
                {was} perfectly balanced
                {was} excellent value
                {was} a lovely surprise
                """,
                """
                {was} watered down
                {was} overpriced and forgettable
                tasted sour and flat
                """,
                """
                {was} included with the set menu
                {was} ordered at the bar
                came in a small glass
                """,
            ),
            "service": Category(
                "staff, waiter, waitress, hostess, bartender, service*",
                """
                {was} warm and attentive
                {was} friendly without being pushy
                made us feel welcome from the start
                {was} quick even on a busy night
                never left us waiting
                """,
                """
                {was} slow and disorganised
                {was} not very welcoming
                ignored us for twenty minutes
                {was} rude when we asked to move tables
                forgot half of our order
                """,
                """
                spoke mostly Italian
                asked whether we had a reservation
                took our coats at the door
                """,
            ),
            "ambience": Category(
                "atmosphere*, ambience*, music*",
                """
                {was} cosy and relaxed
                {was} lively without being too loud
                {was} romantic and calm
                {was} never too noisy , even when full
                """,
                """
                {was} loud and chaotic
                {was} noisy and stressful
                {was} not as cosy as we hoped
                felt tired and dated
                {was} cold and clinical
                """,
            ),
            "prices": Category(
                "prices+*, bill, price",
                """
                {was} very reasonable for the neighbourhood
                {was} fair for the quality
                {was} lower than we expected
                """,
                """
                {was} steep for such small portions
                {was} higher than the menu suggested
                {was} a shock
                """,
                """
                included a service charge
                came to about thirty euros each
                {was} paid at the counter
                """,
            ),
            "portions": Category(
                "portions+, portion sizes+",
                """
                {was} big enough to take half home
                {was} generous
                """,
                """
                {was} tiny for the price
                {was} stingy
                """,
                """
                {was} smaller at lunch
                {was} the same for adults and children
                """,
            ),
            "booking": Category(
                "reservation, booking",
                """
                {was} easy to make online
                {was} handled quickly and politely
                """,
                """
                {was} lost by the restaurant
                {was} double-booked
                """,
                """
                {was} made by phone
                {was} for eight o'clock
                """,
            ),
            "location": Category(
                "location",
                """
                {was} perfect for a pre-theatre dinner
                {was} easy to reach by tram
                """,
                """
                {was} hard to find down a dark alley
                {was} next to a noisy building site
                """,
                """
                {was} next to the old cinema
                {was} on the second floor of a shopping centre
                """,
            ),
            "menu": Category(
                "menu, wine list",
                """
                {was} varied and creative
                {had} something for everyone
                """,
                """
                {was} tiny and uninspired
                {was} confusing and full of typos
                """,
                """
                {was} printed in English and Spanish
                changes every season
                """,
            ),
        },
    ),
    "hotels": Domain(
        tense="past",
        mentions="""
            We chose the hotel for the {a} .
            The booking site mentioned the {a} .
            I called ahead to ask about the {a} .
            We did not use the {a} during our stay .
            Our friends had told us about the {a} .
            The brochure in the room described the {a} .
        """,
        categories={
            "room": Category(
                "room, suite, bedroom",
                """
                {was} spacious and spotless
                had no noise from the street
                {was} quiet and bright
                {was} bigger than the photos suggested
                felt like a home from home
                """,
                """
                {was} cramped and smelled of smoke
                {was} tiny and dark
                {was} freezing because the heating did not work
                {was} dusty and tired
                {was} not as clean as it should have been
                """,
                """
                {was} on the fourth floor
                faced the inner courtyard
                {was} at the end of a long corridor
                """,
            ),
            "bed": Category(
                "bed, mattress, pillows+",
                """
                {was} incredibly comfortable
                {was} firm and supportive
                gave me the best sleep in months
                """,
                """
                creaked every time I turned over
                sagged in the middle
                {was} lumpy and too soft
                """,
                """
                {was} a king size
                {was} made up with white linen
                """,
            ),
            "bathroom": Category(
                "bathroom, shower",
                """
                {was} spotless and modern
                had great water pressure
                {was} recently renovated and lovely
                """,
                """
                smelled of mould
                switched between scalding and freezing
                {was} dirty when we arrived
                """,
                """
                {was} down the hall
                had a bathtub as well
                {was} shared with the next room
                """,
            ),
            "staff": Category(
                "staff, receptionist, front desk, concierge, housekeeping*",
                """
                {was} friendly and helpful throughout our stay
                went out of {its} way to help us
                gave us excellent tips for dinner
                """,
                """
                {was} rude when we reported a broken lock
                ignored our request for extra towels
                forgot our room two days in a row
                """,
                """
                spoke English and French
                asked for our passports at check-in
                """,
            ),
            "breakfast": Category(
                "breakfast, breakfast buffet",
                """
                {was} varied and fresh
                {was} the highlight of each morning
                had excellent eggs cooked to order
                """,
                """
                {was} the same every single day
                ran out of everything by nine
                {was} not worth getting up for
                {was} cold and overpriced
                """,
                """
                {was} included in the rate
                {was} served until ten
                {was} in the basement
                """,
            ),
            "location": Category(
                "location",
                """
                could not have been better
                {was} ideal for exploring the old town
                """,
                """
                {was} far from everything
                {was} on a noisy main road
                """,
                """
                {was} twenty minutes from the airport
                {was} near the train station
                """,
            ),
            "facilities": Category(
                "pool, gym, spa, fitness centre, hot tub",
                """
                {was} warm and rarely crowded
                {was} well equipped
                {was} a lovely place to unwind
                """,
                """
                {was} closed for maintenance the whole week
                {was} packed with noisy groups
                {was} not as relaxing as the photos promised
                {was} tiny and badly kept
                """,
                """
                {was} on the roof
                {was} open from seven till nine
                required a booking
                """,
            ),
            "wifi": Category(
                "Wi-Fi, internet",
                """
                {was} fast and free
                never dropped once
                """,
                """
                kept disconnecting
                {was} too slow for a video call
                """,
                """
                required a code from reception
                {was} included in the price
                """,
            ),
            "checkin": Category(
                "check-in, check-out",
                """
                {was} smooth and quick
                took less than five minutes
                """,
                """
                took almost an hour
                {was} chaotic and confusing
                """,
                """
                {was} at three in the afternoon
                {was} done at a self-service kiosk
                """,
            ),
            "view": Category(
                "view",
                """
                {was} worth every penny
                {was} stunning at sunset
                """,
                """
                {was} of a brick wall
                {was} blocked by scaffolding
                """,
                """
                {was} of the harbour
                looked over the main square
                """,
            ),
            "parking": Category(
                "parking, car park",
                """
                {was} easy and free
                {was} secure and close to the entrance
                """,
                """
                cost thirty euros a night
                {was} full every evening
                """,
                """
                {was} behind the hotel
                {was} underground
                """,
            ),
            "walls": Category(
                "walls+*, soundproofing*",
                """
                {was} good enough that we heard nothing from next door
                kept the street noise out completely
                meant we never heard the busy street
                """,
                """
                {was} paper thin
                let us hear every word next door
                carried every sound from the corridor
                did nothing to block the traffic
                """,
            ),
        },
    ),
}

LABELS = ("Positive", "Negative", "Neutral")
MARKED = re.compile(r"\[B-ASP\](.+?)\[E-ASP\]")


@dataclass(frozen=True)
class Aspect:
    term: str
    plural: bool
    opinion_only: bool  # no neutral predicate fits it


@dataclass
class Sentence:
    """A sentence and its aspects as (start, end, label), in order."""

    text: str
    aspects: list[tuple[int, int, str]]
    source: str  # "handwritten" or "generated"
    # Per aspect: is its wording (predicate or frame) absent from train? Hand-written sentences are unique.
    unseen: list[bool] = field(default_factory=list)


def lines(block: str) -> list[str]:
    return [line.strip() for line in block.strip().splitlines() if line.strip()]


def parse_aspects(spec: str) -> list[Aspect]:
    aspects = []
    for item in (part.strip() for part in spec.split(",")):
        opinion_only = "*" in item
        plural = "+" in item
        aspects.append(Aspect(item.replace("*", "").replace("+", ""), plural, opinion_only))
    return aspects


def conjugate(predicate: str, plural: bool, tense: str) -> str:
    """Make a predicate agree with its aspect ("{is}" -> is/are, "last{s}" -> lasts/last)."""
    forms = {
        "{is}": "are" if plural else "is",
        "{was}": "were" if plural else "was",
        "{has}": "have" if plural else "has",
        "{had}": "had",
        "{does}": "do" if plural else "does",
        "{s}": "" if plural else "s",
        "{es}": "" if plural else "es",
        "{it}": "they" if plural else "it",
        "{its}": "their" if plural else "its",
        "{be}": ("are" if plural else "is") if tense == "present" else ("were" if plural else "was"),
        "{could}": "could not be" if tense == "present" else "could not have been",
    }
    for key, value in forms.items():
        predicate = predicate.replace(key, value)
    if "{" in predicate:
        raise ValueError(f"unknown placeholder in predicate {predicate!r}")
    return predicate


def split_phrases(phrases: list[str], rng: random.Random) -> dict[str, list[str]]:
    """Cut a phrase list into disjoint train / valid / test parts.

    About VALID_SHARE + TEST_SHARE of the phrases are held out (rounded at random, so that short lists add up
    to the right shares over all lists; train always keeps at least one); each held-out phrase goes to test or
    valid in proportion to their shares.
    """
    shuffled = list(phrases)
    rng.shuffle(shuffled)
    expected = (VALID_SHARE + TEST_SHARE) * len(shuffled)
    held = min(len(shuffled) - 1, int(expected + rng.random()))
    parts: dict[str, list[str]] = {"train": shuffled[held:], "valid": [], "test": []}
    for phrase in shuffled[:held]:
        parts["test" if rng.random() < TEST_SHARE / (VALID_SHARE + TEST_SHARE) else "valid"].append(phrase)
    return parts


def parse_handwritten(block: str) -> list[Sentence]:
    sentences = []
    for number, line in enumerate(lines(block), 1):
        marked, _, label_text = line.partition(" $LABEL$ ")
        labels = [label.strip() for label in label_text.split(",")]
        text, aspects, position = "", [], 0
        for match in MARKED.finditer(marked):
            text += marked[position : match.start()]
            aspects.append((len(text), len(text) + len(match.group(1))))
            text += match.group(1)
            position = match.end()
        text += marked[position:]
        if len(labels) != len(aspects) or not set(labels) <= set(LABELS):
            raise ValueError(f"HANDWRITTEN line {number}: {len(aspects)} aspects but labels {labels}: {line!r}")
        spans = [(start, end, label) for (start, end), label in zip(aspects, labels)]
        sentences.append(Sentence(text, spans, "handwritten", [True] * len(spans)))
    return sentences


class Generator:
    """Builds the generated sentences of each split; train first, since valid and test avoid train's clauses."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        phrase_rng = random.Random(seed + 1)
        # Common opinion phrases, used by every split (with other aspects than in train; see clause_is_new).
        self.generic = {"Positive": lines(GENERIC_POSITIVE), "Negative": lines(GENERIC_NEGATIVE)}
        self.objects = {"Positive": lines(OBJECT_POSITIVE), "Negative": lines(OBJECT_NEGATIVE)}
        self.mentions = {name: split_phrases(lines(domain.mentions), phrase_rng) for name, domain in DOMAINS.items()}
        self.aspects = {}
        self.predicates = {}
        for name, domain in DOMAINS.items():
            for key, category in domain.categories.items():
                self.aspects[name, key] = parse_aspects(category.aspects)
                for label, block in zip(LABELS, (category.positive, category.negative, category.neutral)):
                    self.predicates[name, key, label] = split_phrases(lines(block), phrase_rng)
        self.clause_uses: Counter = Counter()  # (split, aspect term, phrase)
        self.phrase_uses: Counter = Counter()  # (split, generic phrase or object frame)

    def shared_phrases(self, split: str, phrases: list[str]) -> list[str]:
        """The generic phrases or object frames ``split`` may still use (each at most once per
        ASPECTS_PER_GENERIC_USE aspects, so that none dominates)."""
        limit = max(2, TARGET_ASPECTS[split] // ASPECTS_PER_GENERIC_USE)
        return [phrase for phrase in phrases if self.phrase_uses[split, phrase] < limit]

    def clause_is_new(self, split: str, term: str, phrase: str) -> bool:
        """Valid and test never repeat a training clause; no split repeats its own more than MAX_CLAUSE_USES."""
        if split != "train" and self.clause_uses["train", term, phrase]:
            return False
        return self.clause_uses[split, term, phrase] < MAX_CLAUSE_USES

    # -- clauses: lists of text and (term, label, unseen) pieces, unseen meaning "wording not in train" ----------
    def subject_clause(self, split, domain, key, label, aspect) -> list | None:
        """["the ", aspect, " predicate"] with a predicate of the category or a generic one."""
        parts = self.predicates[domain, key, label]
        held_out = parts[split] if split != "train" else []
        generic = self.shared_phrases(split, self.generic.get(label, []))
        roll = self.rng.random()
        if held_out and roll < HELD_OUT_USE:
            pool, unseen = held_out, True
        elif generic and (roll > 0.75 or not parts["train"]):
            pool, unseen = generic, False
        else:
            pool, unseen = parts["train"], False
        if not pool:
            return None
        predicate = self.rng.choice(pool)
        if not self.clause_is_new(split, aspect.term, predicate):
            return None
        self.clause_uses[split, aspect.term, predicate] += 1
        if pool is generic:
            self.phrase_uses[split, predicate] += 1
        text = conjugate(predicate, aspect.plural, DOMAINS[domain].tense)
        return ["the ", (aspect.term, label, unseen), " " + text]

    def object_clause(self, split, label, aspect) -> list | None:
        pool = self.shared_phrases(split, self.objects[label])
        if not pool:
            return None
        frame = self.rng.choice(pool)
        if not self.clause_is_new(split, aspect.term, frame):
            return None
        self.clause_uses[split, aspect.term, frame] += 1
        self.phrase_uses[split, frame] += 1
        before, after = frame.split("{a}")
        return [before, (aspect.term, label, False), after]

    def pick_aspect(self, domain, key, label, taken) -> Aspect | None:
        candidates = [a for a in self.aspects[domain, key]
                      if a.term not in taken and not (label == "Neutral" and a.opinion_only)]
        return self.rng.choice(candidates) if candidates else None

    def clause(self, split, domain, label, used_keys, taken) -> list | None:
        keys = [key for key in DOMAINS[domain].categories if key not in used_keys]
        self.rng.shuffle(keys)
        for key in keys:
            aspect = self.pick_aspect(domain, key, label, taken)
            if aspect is None:
                continue
            if label != "Neutral" and self.rng.random() < 0.12:
                pieces = self.object_clause(split, label, aspect)
            else:
                pieces = self.subject_clause(split, domain, key, label, aspect)
            if pieces is not None:
                used_keys.add(key)
                taken.add(aspect.term)
                return pieces
        return None

    # -- sentences -------------------------------------------------------------------------------------------
    def sentence(self, split: str) -> Sentence | None:
        rng = self.rng
        domain = rng.choice(list(DOMAINS))
        count = rng.choices(list(ASPECTS_PER_SENTENCE), weights=list(ASPECTS_PER_SENTENCE.values()))[0]
        labels = rng.choices(list(LABEL_WEIGHTS), weights=list(LABEL_WEIGHTS.values()), k=count)
        if count == 1 and labels[0] == "Neutral" and rng.random() < 0.3:
            return self.mention(split, domain)
        if count == 2 and labels[0] == labels[1] != "Neutral" and rng.random() < 0.2:
            return self.shared(split, domain, labels[0])
        used_keys: set = set()
        taken: set = set()
        clauses = []
        for label in labels:
            pieces = self.clause(split, domain, label, used_keys, taken)
            if pieces is None:
                return None
            clauses.append(pieces)
        frame = self.frame(labels)
        opener = None
        if frame.startswith("{0}") and rng.random() < 0.3:
            if count == 1:
                any_label = OPENERS_ANY if labels[0] != "Neutral" else []
                opener = rng.choice(any_label + OPENERS[labels[0]] + DOMAIN_OPENERS[domain])
            else:
                opener = rng.choice(OPENERS_ANY + DOMAIN_OPENERS[domain])
        return assemble(frame, clauses, opener)

    def frame(self, labels: list[str]) -> str:
        rng = self.rng
        if len(labels) == 1:
            return "{0} ."
        if len(labels) == 2:
            first, second = labels
            if first == second:
                return rng.choice(FRAMES_SAME)
            if "Neutral" in labels:
                return rng.choice(FRAMES_MIXED)
            return rng.choice(FRAMES_CONTRAST)
        last = labels[2]
        opposite = {"Positive": "Negative", "Negative": "Positive"}.get(last)
        if opposite and set(labels[:2]) <= {opposite, "Neutral"} and opposite in labels[:2] and rng.random() < 0.7:
            return rng.choice(FRAMES_CONTRAST3)
        return rng.choice(FRAMES_LIST3)

    def mention(self, split, domain) -> Sentence | None:
        """A neutral mention frame; valid and test use only their own (held-out) frames."""
        pool = self.mentions[domain][split]
        keys = list(DOMAINS[domain].categories)
        aspect = self.pick_aspect(domain, self.rng.choice(keys), "Neutral", set())
        if not pool or aspect is None:
            return None
        before, after = self.rng.choice(pool).split("{a}")
        return assemble("{0}", [[before, (aspect.term, "Neutral", split != "train"), after]], None)

    def shared(self, split, domain, label) -> Sentence | None:
        """Two aspects of one generic predicate ("Both the screen and the speakers are excellent .")."""
        pool = self.shared_phrases(split, self.generic[label])
        keys = self.rng.sample(list(DOMAINS[domain].categories), 2)
        first = self.pick_aspect(domain, keys[0], label, set())
        second = self.pick_aspect(domain, keys[1], label, {first.term} if first else set())
        if not pool or first is None or second is None:
            return None
        phrase = self.rng.choice(pool)
        if not (self.clause_is_new(split, first.term, phrase) and self.clause_is_new(split, second.term, phrase)):
            return None
        for term in (first.term, second.term):
            self.clause_uses[split, term, phrase] += 1
        self.phrase_uses[split, phrase] += 1
        predicate = conjugate(phrase, True, DOMAINS[domain].tense)
        frame = self.rng.choice(FRAMES_SHARED).replace("{p}", predicate)
        before, middle, after = re.split(r"\{0\}|\{1\}", frame)
        pieces = [before, (first.term, label, False), middle, (second.term, label, False), after]
        return assemble("{0}", [pieces], None)


def assemble(frame: str, clauses: list[list], opener: str | None) -> Sentence:
    """Join clauses (lists of text and (term, label, unseen) pieces) into a frame; capitalise; track spans."""
    parts = re.split(r"(\{\d\})", frame)
    pieces: list = [opener] if opener else []
    for part in parts:
        slot = re.fullmatch(r"\{(\d)\}", part)
        pieces.extend(clauses[int(slot.group(1))] if slot else [part])
    text, aspects, unseen = "", [], []
    for piece in pieces:
        if isinstance(piece, tuple):
            term, label, new_wording = piece
            aspects.append((len(text), len(text) + len(term), label))
            unseen.append(new_wording)
            text += term
        else:
            text += piece
    if not text[0].isupper():
        text = text[0].upper() + text[1:]
    if "  " in text or text != text.strip():
        raise ValueError(f"stray spaces in generated sentence {text!r}")
    return Sentence(text, aspects, "generated", unseen)


def words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9'-]+", text.lower())
            if word not in {"the", "a", "an", "is", "are", "was", "were", "and", "but", "it"}}


def showcase_guards() -> tuple[list[str], list[list[str]], list[set[str]]]:
    """Showcase clauses (aspect + three words), each showcase's aspects, each showcase's words."""
    clauses, aspect_sets, word_sets = [], [], []
    for marked in SHOWCASE:
        plain = MARKED.sub(r"\1", marked)
        terms = MARKED.findall(marked)
        for term in terms:
            after = re.split(r"\s+", re.sub(r"[,.]", " ", plain.split(term, 1)[1]).strip())[:3]
            clauses.append(" ".join([term, *after]).lower())
        aspect_sets.append([term.lower() for term in terms])
        word_sets.append(words(plain))
    return clauses, aspect_sets, word_sets


def similarity(first: set[str], second: set[str]) -> float:
    return len(first & second) / len(first | second)


def leaks_showcase(sentence: Sentence, split: str, guards) -> bool:
    clauses, aspect_sets, word_sets = guards
    flat = " ".join(re.sub(r"[,.;]", " ", sentence.text.lower()).split())
    if any(clause in flat for clause in clauses):
        return True
    if split == "train":
        if any(all(term in flat for term in terms) for terms in aspect_sets):
            return True
        if any(similarity(words(sentence.text), showcase) >= 0.5 for showcase in word_sets):
            return True
    return False


def build(seed: int) -> dict[str, list[Sentence]]:
    """The sentences of each split, shuffled."""
    rng = random.Random(seed)
    guards = showcase_guards()
    handwritten = parse_handwritten(HANDWRITTEN)
    rng.shuffle(handwritten)
    cut_test = round(len(handwritten) * TEST_SHARE)
    cut_valid = cut_test + round(len(handwritten) * VALID_SHARE)
    splits = {"test": handwritten[:cut_test], "valid": handwritten[cut_test:cut_valid],
              "train": handwritten[cut_valid:]}
    seen = {sentence.text for sentence in handwritten}
    for split in SPLITS:
        for sentence in splits[split]:
            if leaks_showcase(sentence, split, guards):
                raise ValueError(f"hand-written sentence too close to a showcase sentence: {sentence.text!r}")
    generator = Generator(seed)
    for split in SPLITS:
        total = sum(len(sentence.aspects) for sentence in splits[split])
        attempts = 0
        while total < TARGET_ASPECTS[split]:
            attempts += 1
            if attempts > 200_000:
                raise RuntimeError(f"could not fill the {split} split ({total} aspects); add phrases")
            sentence = generator.sentence(split)
            if sentence is None or sentence.text in seen or leaks_showcase(sentence, split, guards):
                continue
            if total + len(sentence.aspects) > TARGET_ASPECTS[split] + 2:
                continue
            seen.add(sentence.text)
            splits[split].append(sentence)
            total += len(sentence.aspects)
        rng.shuffle(splits[split])
    return splits


def apc_lines(sentences: list[Sentence]) -> str:
    out = []
    for sentence in sentences:
        for start, end, label in sentence.aspects:
            out += [sentence.text[:start] + "$T$" + sentence.text[end:], sentence.text[start:end], label]
    return "\n".join(out) + "\n"


def inference_lines(sentences: list[Sentence]) -> str:
    out = []
    for sentence in sentences:
        text, position = "", 0
        for start, end, _ in sentence.aspects:
            text += sentence.text[position:start] + "[B-ASP]" + sentence.text[start:end] + "[E-ASP]"
            position = end
        text += sentence.text[position:]
        out.append(text + " $LABEL$ " + ", ".join(label for _, _, label in sentence.aspects))
    return "\n".join(out) + "\n"


def counts_table(splits: dict[str, list[Sentence]]) -> str:
    """The README's counts block (markdown), computed from the sentences."""
    rows, totals = [], Counter()
    for split in SPLITS:
        sentences = splits[split]
        labels = Counter(label for s in sentences for _, _, label in s.aspects)
        multi = sum(len(s.aspects) > 1 for s in sentences)
        handwritten = sum(s.source == "handwritten" for s in sentences)
        unseen = sum(flag for s in sentences for flag in s.unseen)
        row = {"sentences": len(sentences), "aspects": sum(labels.values()), "multi": multi,
               "handwritten": handwritten, "unseen": unseen, **labels}
        totals.update(row)
        rows.append((split, row))
    rows.append(("**total**", totals))
    share = {label: totals[label] / totals["aspects"] for label in LABELS}
    guards = showcase_guards()
    closest = max(similarity(words(s.text), ws) for s in splits["train"] for ws in guards[2])
    table = [
        f"{totals['sentences']} sentences, {totals['aspects']} aspects; {totals['multi']} sentences "
        f"({totals['multi'] / totals['sentences']:.0%}) have two or three aspects; {totals['handwritten']} "
        f"sentences are hand-written whole. Labels: Positive {share['Positive']:.1%}, Negative "
        f"{share['Negative']:.1%}, Neutral {share['Neutral']:.1%}.",
        "",
        "| split | file | sentences | 2-3 aspects | aspects | Positive | Negative | Neutral | new wording |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for split, row in rows:
        name = f"`sample.{split}.apc.txt`" if split in SPLITS else ""
        new_wording = f"{row['unseen'] / row['aspects']:.0%}" if split in ("valid", "test") else ""
        table.append(f"| {split} | {name} | {row['sentences']} | {row['multi']} | {row['aspects']} | "
                     f"{row['Positive']} | {row['Negative']} | {row['Neutral']} | {new_wording} |")
    table += ["", "New wording: share of the aspects whose predicate or frame never occurs in train (hand-written "
              "sentences count as new).",
              f"Closest training sentence to a showcase sentence: {closest:.2f} word overlap (Jaccard)."]
    return "\n".join(table)


def render(seed: int, out: Path) -> dict[Path, str]:
    """Every file's new content."""
    splits = build(seed)
    files = {out / f"sample.{split}.apc.txt": apc_lines(splits[split]) for split in SPLITS}
    files[out / "sample.test.inference"] = inference_lines(splits["test"])
    readme = out / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- counts -->", "<!-- /counts -->"
    if start not in text or end not in text:
        raise ValueError(f"{readme}: no {start} ... {end} block for the counts")
    head, rest = text.split(start, 1)
    files[readme] = head + start + "\n" + counts_table(splits) + "\n" + end + rest.split(end, 1)[1]
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "hf_absa" / "sample_data")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    files = render(args.seed, args.out)
    stale = [path for path, content in files.items()
             if not path.exists() or path.read_text(encoding="utf-8") != content]
    if args.check:
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        return 1 if stale else 0
    for path, content in files.items():
        path.write_text(content, encoding="utf-8", newline="\n")
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
