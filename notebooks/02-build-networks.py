# %% [markdown]
# # 02 · Build the networks
#
# **Question.** Who co-authors with whom — people, institutions and countries?
#
# **Data.** The tables written by `01-collect-works`. Each work is a hyperedge: every pair of
# its authors (or institutions, or countries) gets a tie, and every tie keeps the list of works
# behind it. `weight` counts joint works; `weight_fractional` divides each work's credit by its
# team size (Newman 2001), so a 60-author paper weighs less than a two-person study.
# Works of more than 100 authors (consortium papers) add no ties between authors, only
# between institutions and countries (see the README's methodology).
#
# The category of each institution comes from the watchlist, with the rule and source that
# gave it. Labels that came from text rather than an identifier go to a review queue.

# %% tags=["parameters"]
out_dir = "outputs/demo"
max_team_size = None  # works with more authors add no ties (None: keep all)
author_max_team_size = 100  # ... in the author graph (consortium papers; None: keep all)
min_weight = 1

# %%
import pandas as pd

from collabnet import config, pipeline

# %% [markdown]
# ## Inputs and outputs

# %%
out = config.PROJECT_ROOT / out_dir
tables = pipeline.load_tables(out)

# %% [markdown]
# ## How institutions were labelled
# Every label names its rule and source. A `cn_police` label needs an identifier or a
# registry name — never just "China" plus a police-sounding word.

# %%
inst = tables["institutions"]
inst.groupby(["category", "category_rule"]).size().rename("institutions").to_frame()

# %%
inst[inst["category"] != "other"][
    ["display_name", "ror", "category", "category_rule", "category_source"]
].sort_values("category")

# %% [markdown]
# Authorships whose institution OpenAlex did not match are labelled from the raw affiliation
# text. Those labels, and any with low confidence, are in `classification_review.csv` for a
# reporter to check by hand.

# %%
review = pd.read_csv(out / "classification_review.csv")
review.head(15)

# %% [markdown]
# ## The graphs

# %%
options = {
    "max_team_size": max_team_size,
    "min_weight": min_weight,
    "author_max_team_size": author_max_team_size,
}
graphs = pipeline.build_graphs(tables, **options)
pipeline.write_graphs(graphs, out, options=options)
pd.DataFrame(pipeline.read_manifest(out)["graphs"]).drop(index="options", errors="ignore")
