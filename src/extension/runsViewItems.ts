import * as vscode from 'vscode';
import type { RunsViewItem } from './api';
import type { RunsTreeProvider } from './tree/runsTree';

const COLLAPSIBLE = ['none', 'collapsed', 'expanded'] as const;

/** The Runs view's items under `id` exactly as its provider gives them to VS Code (for the API and its tests). */
export function runsViewItems(tree: RunsTreeProvider, id?: string): RunsViewItem[] {
  return tree.getChildren(id).map((childId) => {
    const item = tree.getTreeItem(childId);
    const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath : undefined;
    return {
      id: childId,
      label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
      description: typeof item.description === 'string' ? item.description : undefined,
      tooltip: item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip,
      icon: icon?.id,
      color: icon?.color?.id,
      contextValue: item.contextValue,
      collapsible: COLLAPSIBLE[item.collapsibleState ?? 0] ?? 'none',
    };
  });
}
