// SPDX-License-Identifier: MIT
#include "PluginManagerDialog.h"

#include "PluginManager.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {
constexpr int kNameRole = Qt::UserRole + 1;
}

PluginManagerDialog::PluginManagerDialog(PluginManager *manager, QWidget *parent)
    : QDialog(parent), m_manager(manager), m_table(new QTableWidget(this))
{
    setWindowTitle(tr("Manage Plugins"));
    resize(820, 320);
    m_table->setColumnCount(ColumnCount);
    m_table->setHorizontalHeaderLabels(
        {tr("Enabled"), tr("Name"), tr("Version"), tr("Vendor"), tr("Description"), tr("Status")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    // The description takes the room there is and wraps; the rest fit their
    // contents, so nothing is cut or hidden behind a scroll bar.
    m_table->setWordWrap(true);
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(DescriptionColumn, QHeaderView::Stretch);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

    auto *searched = new QLabel(this);
    searched->setWordWrap(true);
    searched->setText(tr("Searched: %1").arg(manager->searchedDirectories().join(QStringLiteral("; "))));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_table);
    layout->addWidget(searched);
    layout->addWidget(buttons);

    connect(m_table, &QTableWidget::itemChanged, this, &PluginManagerDialog::onItemChanged);
    connect(manager, &PluginManager::pluginsChanged, this, &PluginManagerDialog::refresh);
    connect(manager, &PluginManager::pluginStateChanged, this, &PluginManagerDialog::refresh);
    refresh();
}

void PluginManagerDialog::refresh()
{
    if (m_toggling)
        return; // replacing the cell being toggled would pull it from under Qt
    m_refreshing = true; // our own setCheckState() must not toggle plugins
    const QList<PluginSpec> specs = m_manager->plugins();
    m_table->setRowCount(int(specs.size()));
    for (int row = 0; row < specs.size(); ++row) {
        const PluginSpec &spec = specs.at(row);
        QString status = PluginSpec::stateName(spec.state);
        if (!spec.errorString.isEmpty())
            status += QStringLiteral(": ") + spec.errorString;
        const QString tooltip = spec.errorString.isEmpty() ? spec.filePath
                                                           : spec.errorString + QLatin1Char('\n') + spec.filePath;
        const QStringList texts{QString(), spec.name, spec.version, spec.vendor, spec.description, status};
        for (int col = 0; col < ColumnCount; ++col) {
            auto *cell = new QTableWidgetItem(texts.at(col));
            cell->setToolTip(tooltip);
            cell->setData(kNameRole, spec.name);
            // The check box alone: a selectable cell would show its empty
            // text area as a stray highlighted box beside it.
            Qt::ItemFlags flags = col == EnabledColumn ? Qt::NoItemFlags : Qt::ItemIsSelectable;
            if (spec.isCompatible())
                flags |= Qt::ItemIsEnabled; // incompatible rows are greyed out
            if (col == EnabledColumn) {
                if (spec.isCompatible())
                    flags |= Qt::ItemIsUserCheckable;
                cell->setCheckState(spec.state == PluginSpec::State::Enabled ? Qt::Checked : Qt::Unchecked);
            }
            cell->setFlags(flags);
            m_table->setItem(row, col, cell);
        }
    }
    if (!m_table->currentItem() || m_table->currentColumn() == EnabledColumn)
        m_table->setCurrentCell(qMax(0, m_table->currentRow()), NameColumn); // the keyboard starts on a name
    m_refreshing = false;
}

void PluginManagerDialog::setRowChecked(int row, bool checked)
{
    if (QTableWidgetItem *cell = m_table->item(row, EnabledColumn))
        cell->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

void PluginManagerDialog::onItemChanged(QTableWidgetItem *item)
{
    if (m_refreshing || item->column() != EnabledColumn || !(item->flags() & Qt::ItemIsUserCheckable))
        return;
    const QString name = item->data(kNameRole).toString();
    const bool enable = item->checkState() == Qt::Checked;
    QString error;
    m_lastError.clear();
    if (!enable && !m_manager->mayDisable(name)) {
        // The user kept it: show it enabled again (deferred, as below).
        QMetaObject::invokeMethod(this, &PluginManagerDialog::refresh, Qt::QueuedConnection);
        return;
    }
    m_toggling = true;
    const bool ok = m_manager->setPluginEnabled(name, enable, &error);
    m_toggling = false;
    if (!ok) {
        m_lastError = error;
        if (m_showErrors)
            QMessageBox::warning(this, tr("Plugin Error"),
                                 tr("Could not enable the plugin \"%1\":\n%2").arg(name, error));
    }
    // Deferred: we are inside the table's own itemChanged emission.
    QMetaObject::invokeMethod(this, &PluginManagerDialog::refresh, Qt::QueuedConnection);
}
