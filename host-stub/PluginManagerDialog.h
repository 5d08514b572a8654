// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class PluginManager;
class QTableWidget;
class QTableWidgetItem;

/**
 * Plugins → Manage Plugins…: every plugin found, with a checkbox that
 * enables or disables it at once (persisted). Incompatible plugins are greyed
 * out with the reason as a tooltip and in the last column.
 */
class PluginManagerDialog : public QDialog
{
    Q_OBJECT
public:
    enum Column { EnabledColumn, NameColumn, VersionColumn, VendorColumn, DescriptionColumn,
                  StatusColumn, ColumnCount };

    explicit PluginManagerDialog(PluginManager *manager, QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }
    /// Toggles the plugin in @p row (what a click on its checkbox does).
    void setRowChecked(int row, bool checked);

    /// When false, failures are not shown in a message box (tests).
    void setShowErrors(bool show) { m_showErrors = show; }
    QString lastError() const { return m_lastError; }

public slots:
    void refresh();

private:
    void onItemChanged(QTableWidgetItem *item);

    PluginManager *m_manager;
    QTableWidget *m_table;
    bool m_refreshing = false;
    bool m_toggling = false; // inside a checkbox toggle: refresh later
    bool m_showErrors = true;
    QString m_lastError;
};
