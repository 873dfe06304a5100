// Left navigation: every view of the catalogue, grouped.

import { navGroups, type ViewDef } from "./catalogue";

export function NavList({
  catalogue,
  current,
  hrefFor,
}: {
  catalogue: ViewDef[];
  current: string;
  hrefFor: (view: string) => string;
}) {
  return (
    <nav className="nav" aria-label="views">
      {navGroups(catalogue).map((group) => (
        <div key={group.title} className="nav-group">
          <div className="nav-title">{group.title}</div>
          <ul>
            {group.views.map((view) => (
              <li key={view.name}>
                <a href={hrefFor(view.name)} aria-current={view.name === current ? "page" : undefined}>
                  {view.title}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}
