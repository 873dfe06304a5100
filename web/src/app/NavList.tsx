// Left navigation: the cluster's overview, every view of the catalogue (grouped), and browse
// all kinds.

import { navGroups, type ViewDef } from "./catalogue";

export function NavList({
  catalogue,
  current,
  hrefFor,
  overviewHref,
  kindsHref,
}: {
  catalogue: ViewDef[];
  /** The current view name, or `~overview` / `~kinds` for those screens. */
  current: string;
  hrefFor: (view: string) => string;
  overviewHref: string;
  kindsHref: string;
}) {
  const page = (key: string) => (key === current ? "page" : undefined);
  return (
    <nav className="nav" aria-label="views">
      <ul className="nav-top">
        <li>
          <a href={overviewHref} aria-current={page("~overview")}>
            Overview
          </a>
        </li>
      </ul>
      {navGroups(catalogue).map((group) => (
        <div key={group.title} className="nav-group">
          <div className="nav-title">{group.title}</div>
          <ul>
            {group.views.map((view) => (
              <li key={view.name}>
                <a href={hrefFor(view.name)} aria-current={page(view.name)}>
                  {view.title}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ))}
      <ul className="nav-bottom">
        <li>
          <a href={kindsHref} aria-current={page("~kinds")}>
            Browse all kinds
          </a>
        </li>
      </ul>
    </nav>
  );
}
